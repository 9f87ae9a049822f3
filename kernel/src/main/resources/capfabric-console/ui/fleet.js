// The fleet table: rebuilt from each `fleet` event (one innerHTML per event), ages ticked locally.
import { esc, badge, few, bytes } from './api.js';

const body = document.querySelector('#fleet-table tbody');
const summaryLine = document.getElementById('fleet-summary');
// per node, recent (time, jobs, failed) samples: jobs/s and error rate over the last 30 s
const history = new Map();
const WINDOW_MS = 30_000;

export function fleetNodes(snapshot) {
    return snapshot ? snapshot.nodes : [];
}

export function summary(snapshot) {
    const counts = {};
    for (const n of snapshot.nodes) counts[n.status] = (counts[n.status] || 0) + 1;
    const parts = Object.entries(counts).sort().map(([s, c]) => `${c} ${s}`);
    return `${snapshot.nodes.length} node${snapshot.nodes.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

function sum(map) {
    return map ? Object.values(map).reduce((a, b) => a + b, 0) : null;
}

function rates(node, now) {
    const jobs = sum(node.load?.jobs);
    if (jobs === null) return null;
    const failed = sum(node.load?.failed) || 0;
    let samples = history.get(node.node_id);
    if (!samples) history.set(node.node_id, samples = []);
    const last = samples[samples.length - 1];
    if (!last || last.jobs !== jobs || now - last.t > 5000) samples.push({ t: now, jobs, failed });
    while (samples.length > 2 && now - samples[0].t > WINDOW_MS) samples.shift();
    const first = samples[0];
    const seconds = (now - first.t) / 1000;
    const done = jobs - first.jobs;
    return {
        perS: seconds >= 1 ? done / seconds : null,
        errors: done > 0 ? (failed - first.failed) / done : null,
    };
}

function age(snapshot, node) {
    if (node.self) return 'now';
    if (node.heard_at_ms == null) return 'never';
    const s = Math.max(0, (Date.now() - snapshot.offset - node.heard_at_ms) / 1000);
    return s < 60 ? `${s.toFixed(0)} s` : s < 3600 ? `${(s / 60).toFixed(0)} min` : `${(s / 3600).toFixed(1)} h`;
}

function capabilities(node) {
    const caps = node.capabilities || {};
    const load = node.load || {};
    const items = Object.keys(caps).sort().map(name => {
        const c = caps[name];
        const offers = [c.models?.length ? `models ${few(c.models)}` : '', c.voices?.length ? `voices ${few(c.voices)}` : '',
            c.languages?.length ? `languages ${few(c.languages, 6)}` : ''].filter(Boolean).join('; ');
        const q = load.queue_depth?.[name] ?? 0, r = load.inflight?.[name] ?? 0, k = load.concurrency?.[name];
        return `<li><strong>${esc(name)}</strong> <span class="muted">(${few(c.providers)})</span>`
            + ` <span title="queued / running / runs at once">q ${q} · run ${r}${k ? '/' + k : ''}</span>`
            + (offers ? `<br><small>${offers}</small>` : '') + '</li>';
    });
    return items.length ? `<ul>${items.join('')}</ul>` : '<span class="muted">none</span>';
}

function hardware(node) {
    const h = node.hardware;
    if (!h) return '<span class="muted">not heard yet</span>';
    const gpus = (h.gpus || []).map(g => esc(g.name) + (g.memory_bytes ? ` (${bytes(g.memory_bytes)})` : '')).join(', ');
    return `${esc(h.cores)} CPUs · ${bytes(h.memory_bytes)}<br><small class="muted">${esc(h.cpu_model)}${gpus ? '<br>GPU ' + gpus : ''}</small>`
        + (node.version ? `<br><small class="muted">v${esc(node.version)}</small>` : '');
}

function percent(x) {
    return x == null ? '' : `${Math.round(x * 100)} %`;
}

const drawn = { ids: [], rows: [] };

function cell(label, html) {
    return `<td data-label="${label}"><div>${html}</div></td>`;
}

export function renderFleet(snapshot) {
    const now = snapshot.sent_at_ms;
    const rows = snapshot.nodes.map(node => {
        const r = rates(node, now);
        const breaker = node.breaker ? badge(node.breaker.state) + (node.breaker.open_for_s ? ` <small>${node.breaker.open_for_s.toFixed(0)} s</small>` : '') : '<span class="muted">—</span>';
        const id = esc(node.node_id);
        const url = node.http_url ? `<br><small class="muted">${esc(node.http_url)}</small>` : '';
        return `<tr data-node="${id}" data-status="${esc(node.status)}">`
            + `<th scope="row"><a href="#node/${encodeURIComponent(node.node_id)}">${id}</a>${node.self ? ' <small class="muted">(this node)</small>' : ''}${url}</th>`
            + cell('Status', badge(node.status))
            + `<td data-label="Age"><div data-age></div></td>`
            + cell('Capabilities', capabilities(node))
            + cell('Hardware', hardware(node))
            + cell('Load', `CPU ${percent(node.load?.cpu)}<br>RAM ${percent(node.load?.memory)}`)
            + cell('Jobs/s', r?.perS == null ? '<span class="muted">—</span>' : r.perS.toFixed(2))
            + cell('Errors', r?.errors == null ? '<span class="muted">—</span>' : percent(r.errors))
            + cell('Breaker', breaker) + '</tr>';
    });
    // only the rows that changed are replaced: a link or selection in an unchanged row stays as it is
    const ids = snapshot.nodes.map(n => n.node_id);
    if (ids.join('\n') !== drawn.ids.join('\n')) {
        body.innerHTML = rows.join('');
    } else {
        rows.forEach((html, i) => {
            if (html !== drawn.rows[i]) body.rows[i].outerHTML = html;
        });
    }
    drawn.ids = ids;
    drawn.rows = rows;
    tickAges(snapshot);
    const text = summary(snapshot);
    if (summaryLine.textContent !== text) summaryLine.textContent = text;
}

export function tickAges(snapshot) {
    const cells = body.querySelectorAll('[data-age]');
    snapshot.nodes.forEach((node, i) => {
        const text = age(snapshot, node);
        if (cells[i] && cells[i].textContent !== text) cells[i].textContent = text;
    });
}
