// The API key (kept in sessionStorage: gone when the tab closes) and small helpers for the API routes.
const KEY = 'capfabric.api-key';
let waiting = [];

export function authHeaders() {
    const key = sessionStorage.getItem(KEY);
    return key ? { Authorization: 'Bearer ' + key } : {};
}

/** fetch() with the key. */
export function api(path, options = {}) {
    return fetch(path, { ...options, headers: { ...authHeaders(), ...(options.headers || {}) } });
}

/** The message of a JSON error answer (capfabric's or OpenAI's shape), else the status line. */
export async function errorText(response) {
    const text = await response.text().catch(() => '');
    try {
        const body = JSON.parse(text);
        const error = body.error;
        if (error) return `${response.status} ${error.kind || error.code || error.type || ''}: ${error.message || JSON.stringify(error)}`;
        return `${response.status}: ${text}`;
    } catch {
        return `${response.status} ${response.statusText}${text ? ': ' + text.slice(0, 200) : ''}`;
    }
}

/** Resolves the next time the key changes. */
export function onKeyChange() {
    return new Promise(resolve => waiting.push(resolve));
}

export function keyForm(changed) {
    const form = document.getElementById('key-form');
    const input = document.getElementById('key');
    input.value = sessionStorage.getItem(KEY) || '';
    const fire = () => { const w = waiting; waiting = []; w.forEach(r => r()); changed(); };
    form.addEventListener('submit', e => {
        e.preventDefault();
        const key = input.value.trim();
        if (key) sessionStorage.setItem(KEY, key); else sessionStorage.removeItem(KEY);
        fire();
    });
    document.getElementById('key-forget').addEventListener('click', () => {
        input.value = '';
        sessionStorage.removeItem(KEY);
        fire();
    });
}

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for HTML. */
export function esc(value) {
    return String(value ?? '').replace(/[&<>"']/g, c => ESCAPES[c]);
}

export function badge(status) {
    const s = esc(status);
    return `<span class="badge s-${s}">${s}</span>`;
}

/** At most n items, then "+k more". */
export function few(list, n = 4) {
    if (!list || !list.length) return '';
    const shown = list.slice(0, n).map(esc).join(', ');
    return list.length > n ? `${shown} <span class="muted">+${list.length - n}</span>` : shown;
}

export function bytes(n) {
    if (!n) return '';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return `${n.toFixed(n >= 10 || i === 0 ? 0 : 1)} ${units[i]}`;
}
