// Operate: drain/undrain any node, install (upload a jar) or remove a plugin on one node or all, through
// this node's /admin/nodes/<id>/... routes (the admin scope once API keys exist).
import { api, authHeaders, errorText, esc, badge } from './api.js';

const body = document.querySelector('#operate-table tbody');
const log = document.getElementById('operate-log');
let current = () => null;

function note(text, ok) {
    const item = document.createElement('li');
    item.className = ok ? 'ok' : 'bad';
    item.textContent = `${new Date().toLocaleTimeString()} ${text}`;
    log.prepend(item);
    while (log.children.length > 50) log.lastChild.remove();
}

/** The admin answer: {"ok": ...} or {"error": ...}, as a line for people. */
async function answer(what, response) {
    if (!response.ok) {
        note(`${what}: ${await errorText(response)}`, false);
        return false;
    }
    const text = await response.text();
    note(`${what}: done ${text.length > 300 ? text.slice(0, 300) + '…' : text}`, true);
    return true;
}

function live(snapshot) {
    return (snapshot?.nodes || []).filter(n => n.status !== 'gone' && n.status !== 'unknown');
}

let shown = '';

export function refreshOperate(snapshot) {
    // redrawn only when a node or a status changed: a button must not be replaced under the operator's pointer
    const signature = (snapshot?.nodes || []).map(n => n.node_id + ':' + n.status).join();
    if (signature !== shown) {
        shown = signature;
        body.innerHTML = (snapshot?.nodes || []).map(n => {
            const id = esc(n.node_id);
            const draining = n.status === 'draining';
            const usable = n.status !== 'gone' && n.status !== 'unknown';
            return `<tr data-node="${id}"><th scope="row">${id}</th><td>${badge(n.status)}</td><td>`
                + `<button type="button" data-verb="${draining ? 'undrain' : 'drain'}" data-node="${id}"${usable ? '' : ' disabled'}>`
                + `${draining ? 'Undrain' : 'Drain'} <span class="sr">${id}</span></button></td></tr>`;
        }).join('');
    }
    for (const id of ['install-node', 'remove-node']) {
        const select = document.getElementById(id);
        const options = ['*', ...live(snapshot).map(n => n.node_id)];
        if ([...select.options].map(o => o.value).join() === options.join()) continue;
        const chosen = select.value;
        select.innerHTML = options.map(o => `<option value="${esc(o)}">${o === '*' ? 'every live node' : esc(o)}</option>`).join('');
        if (options.includes(chosen)) select.value = chosen;
    }
}

function targets(select) {
    return select.value === '*' ? live(current()).map(n => n.node_id) : [select.value];
}

/** Uploads with progress (fetch has none for request bodies): XMLHttpRequest. */
function upload(node, file, onProgress) {
    return new Promise((resolve, reject) => {
        const request = new XMLHttpRequest();
        request.open('POST', `/admin/nodes/${encodeURIComponent(node)}/install?file=${encodeURIComponent(file.name)}`);
        for (const [k, v] of Object.entries(authHeaders())) request.setRequestHeader(k, v);
        request.setRequestHeader('Content-Type', 'application/java-archive');
        request.upload.onprogress = e => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
        request.onload = () => resolve(new Response(request.responseText, { status: request.status, statusText: request.statusText }));
        request.onerror = () => reject(new Error('the upload failed (connection)'));
        request.send(file);
    });
}

const bars = document.getElementById('install-nodes');

/** One progress line per node: a <progress> and the stage it reached. */
function bar(node) {
    let item = bars.querySelector(`li[data-node="${CSS.escape(node)}"]`);
    if (!item) {
        item = document.createElement('li');
        item.dataset.node = node;
        item.innerHTML = `<span class="who"></span> <progress max="100" value="0"></progress> <span class="stage"></span>`;
        item.querySelector('.who').textContent = node;
        item.querySelector('progress').setAttribute('aria-label', `install on ${node}`);
        bars.append(item);
    }
    return item;
}

const STAGES = { receiving: 30, received: 60, verified: 80, loaded: 100, failed: 100 };

function step(event) {
    const item = bar(event.node_id);
    const progress = item.querySelector('progress');
    let value = STAGES[event.stage] ?? progress.value;
    if (event.stage === 'receiving' && event.total) value = 10 + 50 * (event.bytes / event.total);
    if (event.stage === 'uploading') value = 60 * event.bytes;
    progress.value = Math.max(progress.value, value);
    item.dataset.stage = event.stage;
    item.dataset.seen = ((item.dataset.seen || '') + ' ' + event.stage).trim();
    item.querySelector('.stage').textContent = event.stage + (event.message ? `: ${event.message}` : '')
        + (event.stage === 'receiving' && event.total ? ` ${Math.round(100 * event.bytes / event.total)} %` : '')
        + (event.stage === 'uploading' ? ` ${Math.round(100 * event.bytes)} %` : '');
}

/**
 * POST /admin/rollout (every node at once, progress streamed as JSON lines). False when this node has
 * no such route (an older kernel): the caller then installs node by node.
 */
async function rollout(file, nodes) {
    bars.innerHTML = '';
    const query = new URLSearchParams({ file: file.name });
    if (nodes) nodes.forEach(n => query.append('node', n)); else query.set('all', 'true');
    const response = await api('/admin/rollout?' + query, {
        method: 'POST', body: file, headers: { 'Content-Type': 'application/java-archive', Accept: 'application/x-ndjson' },
    });
    if (!response.ok) {
        const text = await errorText(response);
        if (response.status === 404 || response.status === 405 || /rollout/.test(text) && response.status === 400) return false;
        note(`install ${file.name}: ${text}`, false);
        return true;
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '', last = null;
    for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, end).trim();
            buffer = buffer.slice(end + 1);
            if (!line) continue;
            const message = JSON.parse(line);
            if (message.progress) step(message.progress); else last = message;
        }
    }
    if (buffer.trim()) last = JSON.parse(buffer);
    if (last?.ok) {
        for (const n of last.ok.nodes || []) {
            step({ node_id: n.node_id, stage: n.ok ? 'loaded' : 'failed', message: n.ok ? n.action : `${n.error_kind}: ${n.message}` });
            note(`install ${file.name} on ${n.node_id}: ${n.ok ? n.action || 'installed' : `${n.error_kind}: ${n.message}`}`, n.ok);
        }
        note(`install ${file.name}: ${(last.ok.nodes || []).length - last.ok.failed} of ${(last.ok.nodes || []).length} node(s) loaded it`, !last.ok.failed);
    } else {
        note(`install ${file.name}: ${last?.error?.message ?? 'the answer ended early'}`, false);
    }
    return true;
}

/** Node by node through /admin/nodes/<id>/install: the upload's progress, then each node's answer. */
async function oneByOne(file, nodes) {
    bars.innerHTML = '';
    let failures = 0;
    for (const node of nodes) {
        try {
            const response = await upload(node, file, f => step({ node_id: node, stage: 'uploading', bytes: f }));
            const ok = await answer(`install ${file.name} on ${node}`, response.clone());
            step({ node_id: node, stage: ok ? 'loaded' : 'failed', message: ok ? null : await errorText(response) });
            if (!ok) failures++;
        } catch (error) {
            failures++;
            step({ node_id: node, stage: 'failed', message: error.message });
            note(`install ${file.name} on ${node}: ${error.message}`, false);
        }
    }
    note(`install ${file.name}: ${nodes.length - failures} of ${nodes.length} node(s) done`, failures === 0);
}

export function setupOperate(snapshot) {
    current = snapshot;
    body.addEventListener('click', async e => {
        const button = e.target.closest('button[data-verb]');
        if (!button) return;
        button.disabled = true;
        const { verb, node } = button.dataset;
        await answer(`${verb} ${node}`, await api(`/admin/nodes/${encodeURIComponent(node)}/${verb}`, { method: 'POST' }))
            .catch(error => note(`${verb} ${node}: ${error.message}`, false));
        // the button follows the node's status from the next fleet event
    });

    document.getElementById('install').addEventListener('submit', async e => {
        e.preventDefault();
        const file = document.getElementById('install-jar').files[0];
        const select = document.getElementById('install-node');
        const nodes = targets(select);
        if (!file || !nodes.length) return;
        const button = e.target.querySelector('button[type=submit]');
        button.disabled = true;
        try {
            if (!await rollout(file, select.value === '*' ? null : nodes)) await oneByOne(file, nodes);
        } finally {
            button.disabled = false;
        }
    });

    document.getElementById('remove').addEventListener('submit', async e => {
        e.preventDefault();
        const name = document.getElementById('remove-name').value.trim();
        const nodes = targets(document.getElementById('remove-node'));
        for (const node of nodes) {
            await answer(`remove ${name} from ${node}`, await api(`/admin/nodes/${encodeURIComponent(node)}/remove`, {
                method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name }),
            })).catch(error => note(`remove ${name} from ${node}: ${error.message}`, false));
        }
    });
}
