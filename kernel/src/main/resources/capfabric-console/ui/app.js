// capfabric console: the fleet live (server-sent events from this node), one node's /caps, Try it and
// Operate. Plain modules, no framework, no download: everything comes from this node's API routes.
import { api, errorText, keyForm, onKeyChange, authHeaders, esc } from './api.js';
import { renderFleet, tickAges, fleetNodes, summary } from './fleet.js';
import { showNode } from './node.js';
import { setupTry } from './try.js';
import { setupOperate, refreshOperate } from './operate.js';

const feedState = document.getElementById('feed-state');
let snapshot = null;
let stream = null;

function setFeed(text, bad) {
    if (feedState.textContent !== text) feedState.textContent = text;
    feedState.classList.toggle('bad', !!bad);
    feedState.dataset.state = bad ? 'down' : 'live';
}

// ---- the live feed: one stream per page, read with fetch so that it can carry the API key --------

function onFleet(json) {
    const first = !performance.getEntriesByName('capfabric:fleet-rendered').length;
    snapshot = JSON.parse(json);
    snapshot.offset = Date.now() - snapshot.sent_at_ms;
    document.getElementById('viewer').textContent = '· ' + snapshot.viewer;
    renderFleet(snapshot);
    // for the page-weight benchmark (bench/src/main/console): when the first fleet was drawn, from how many bytes
    if (first) performance.mark('capfabric:fleet-rendered', { detail: { eventChars: json.length } });
    refreshOperate(snapshot);
    refreshPicker();
    setFeed(`Live from ${snapshot.viewer} · ${summary(snapshot)}` + (snapshot.link === 'down' ? ' · NATS link down: as last heard' : ''),
        snapshot.link === 'down');
}

function dispatch(block) {
    let event = 'message';
    const data = [];
    for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
    }
    if (event === 'fleet' && data.length) onFleet(data.join('\n'));
}

async function watch() {
    let backoff = 1000;
    for (;;) {
        const control = new AbortController();
        stream = control;
        try {
            const response = await fetch('/v1/nodes/events', {
                headers: { ...authHeaders(), Accept: 'text/event-stream' }, signal: control.signal, cache: 'no-store',
            });
            if (response.status === 401 || response.status === 403) {
                setFeed(`${await errorText(response)} — paste a key with the read scope above.`, true);
                await onKeyChange();
                continue;
            }
            if (!response.ok) throw new Error(await errorText(response));
            backoff = 1000;
            setFeed('Live', false);
            const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
            let buffer = '';
            for (;;) {
                const { value, done } = await reader.read();
                if (done) break;
                buffer += value.replace(/\r\n?/g, '\n');
                let end;
                while ((end = buffer.indexOf('\n\n')) >= 0) {
                    dispatch(buffer.slice(0, end));
                    buffer = buffer.slice(end + 2);
                }
            }
            throw new Error('the stream ended');
        } catch (e) {
            if (control.signal.aborted) continue; // the key changed: reconnect at once with it
            setFeed(`Not live (${e.message}); retrying in ${backoff / 1000} s…`, true);
            await new Promise(r => setTimeout(r, backoff));
            backoff = Math.min(backoff * 2, 10_000);
        }
    }
}

// ---- sections -----------------------------------------------------------------------------------

const picker = document.getElementById('node-pick');

function refreshPicker() {
    const ids = fleetNodes(snapshot).map(n => n.node_id);
    const have = [...picker.options].map(o => o.value);
    if (ids.join() === have.join()) return;
    const chosen = picker.value;
    picker.innerHTML = ids.map(id => `<option>${esc(id)}</option>`).join('');
    if (ids.includes(chosen)) picker.value = chosen;
    if (location.hash.startsWith('#node') && !chosen) route();
}

function route() {
    const [section, arg] = (location.hash.slice(1) || 'fleet').split('/');
    const known = ['fleet', 'node', 'try', 'operate'].includes(section) ? section : 'fleet';
    for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== known;
    for (const a of document.querySelectorAll('nav a')) {
        if (a.dataset.section === known) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    }
    if (known === 'node') {
        const id = arg ? decodeURIComponent(arg) : picker.value || snapshot?.viewer;
        if (id) {
            if (![...picker.options].some(o => o.value === id)) picker.add(new Option(id));
            picker.value = id;
            showNode(id, snapshot);
        }
    }
}

picker.addEventListener('change', () => { location.hash = '#node/' + encodeURIComponent(picker.value); });
window.addEventListener('hashchange', route);
keyForm(() => stream?.abort());
setupTry(() => snapshot);
setupOperate(() => snapshot);
route();
setInterval(() => { if (snapshot) tickAges(snapshot); }, 1000);
watch();
export { api };
