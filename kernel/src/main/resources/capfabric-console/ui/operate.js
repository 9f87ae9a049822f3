// Operate: drain/undrain any node, install (upload a jar) or remove a plugin on one node or all, through
// this node's /admin/nodes/<id>/... routes (the admin scope once API keys exist).
import { api, authHeaders, errorText, esc, badge } from './api.js';

const body = document.querySelector('#operate-table tbody');
const log = document.getElementById('operate-log');
const progress = document.getElementById('install-progress');
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

export function refreshOperate(snapshot) {
    body.innerHTML = (snapshot?.nodes || []).map(n => {
        const id = esc(n.node_id);
        const draining = n.status === 'draining';
        const usable = n.status !== 'gone' && n.status !== 'unknown';
        return `<tr data-node="${id}"><th scope="row">${id}</th><td>${badge(n.status)}</td><td>`
            + `<button type="button" data-verb="${draining ? 'undrain' : 'drain'}" data-node="${id}"${usable ? '' : ' disabled'}>`
            + `${draining ? 'Undrain' : 'Drain'} <span class="sr">${id}</span></button></td></tr>`;
    }).join('');
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
        const nodes = targets(document.getElementById('install-node'));
        if (!file || !nodes.length) return;
        progress.hidden = false;
        let failures = 0;
        for (const [i, node] of nodes.entries()) {
            progress.value = (i / nodes.length) * 100;
            try {
                const response = await upload(node, file, f => { progress.value = ((i + f * 0.9) / nodes.length) * 100; });
                if (!await answer(`install ${file.name} on ${node}`, response)) failures++;
            } catch (error) {
                failures++;
                note(`install ${file.name} on ${node}: ${error.message}`, false);
            }
        }
        progress.value = 100;
        note(`install ${file.name}: ${nodes.length - failures} of ${nodes.length} node(s) done`, failures === 0);
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
