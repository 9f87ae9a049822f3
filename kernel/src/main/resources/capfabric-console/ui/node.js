// One node's /caps for people: providers with status and reason, plugins with their errors, and (for
// the node serving the page) the artifacts installed on its disk.
import { api, errorText, esc, badge, few, bytes } from './api.js';

const out = document.getElementById('node-body');

function table(caption, head, rows) {
    if (!rows.length) return `<p class="muted">No ${esc(caption.toLowerCase())}.</p>`;
    return `<div class="scroll"><table><caption>${esc(caption)}</caption><thead><tr>${head.map(h => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead>`
        + `<tbody>${rows.map(r => `<tr>${r.map(c => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table></div>`;
}

export async function showNode(id, snapshot) {
    out.setAttribute('aria-busy', 'true');
    try {
        const response = await api(`/v1/nodes/${encodeURIComponent(id)}/caps`);
        if (!response.ok) {
            out.innerHTML = `<p class="served bad">${esc(await errorText(response))}</p>`;
            return;
        }
        const caps = await response.json();
        const listed = snapshot?.nodes.find(n => n.node_id === id);
        let html = `<h3>${esc(caps.node_id)} ${listed ? badge(listed.status) : ''}</h3><p>`
            + `version ${esc(caps.version)} · started ${esc(caps.started_at)}`
            + (caps.http_url ? ` · <a href="${esc(caps.http_url)}/">${esc(caps.http_url)}</a>` : '') + '</p>';
        html += table('Providers', ['Provider', 'Capability', 'Plugin', 'Status', 'Reason', 'Offers'], (caps.providers || []).map(p => [
            esc(p.id), esc(p.capability), esc(p.plugin), badge(p.status), esc(p.reason ?? ''),
            [few(p.models), few(p.voices), few(p.languages, 6)].filter(Boolean).join('<br>')]));
        html += table('Plugins', ['Plugin', 'File', 'Status', 'Error'], (caps.plugins || []).map(p => [
            esc(p.name), esc(p.file), badge(p.status), p.error ? `<span class="s-failed">${esc(p.error)}</span>` : '']));
        if (snapshot && id === snapshot.viewer) {
            const installed = await api('/capabilities/installed');
            if (installed.ok) {
                const inv = await installed.json();
                html += table('Plugin jars', ['Plugin', 'File', 'Version', 'Size', 'SHA-256'], (inv.plugins || []).map(j => [
                    esc(j.plugin), esc(j.file), esc(j.version ?? ''), bytes(j.bytes), `<code>${esc((j.sha256 || '').slice(0, 16))}</code>`]));
                html += table('Installed artifacts', ['Provider', 'Kind', 'Name', 'Path', 'Size'], (inv.artifacts || []).map(a => [
                    esc(a.provider), esc(a.kind), esc(a.name), `<code>${esc(a.path)}</code>`, a.bytes >= 0 ? bytes(a.bytes) : '']));
            } else {
                html += `<p class="served bad">Installed artifacts: ${esc(await errorText(installed))}</p>`;
            }
        } else {
            html += '<p class="muted">Installed artifacts are listed by each node\'s own console (its /capabilities/installed).</p>';
        }
        out.innerHTML = html;
    } catch (e) {
        out.innerHTML = `<p class="served bad">${esc(e.message)}</p>`;
    } finally {
        out.removeAttribute('aria-busy');
    }
}
