// The console's fleet page in Debian's chromium (playwright-core, no browser download): bytes transferred
// and time to the first rendered fleet, per cold load (a new browser context each round: empty cache).
//
//   node page-weight.mjs <node URL> <expected rows> <rounds>
//
// Prints one JSON line per round: {"bytes": ..., "requests": ..., "render_ms": ..., "rows": ...}.
// bytes = every finished response's encoded body plus headers as the network saw them, plus the first
// `fleet` event of the (never-ending) event stream; render_ms = from navigation start
// to the moment the page marked its first fleet table as drawn (performance mark 'capfabric:fleet-rendered').
import { createRequire } from 'node:module';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const [url, rows, rounds] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4] ?? 5)];
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const require = createRequire(join(process.env.CAPFABRIC_NPM_MODULES || join(repo, 'target/npm/node_modules'), 'noop.js'));
const { chromium } = require('playwright-core');

const browser = await chromium.launch({ executablePath: process.env.CAPFABRIC_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'] });
try {
    for (let round = 0; round < rounds; round++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        const page = await context.newPage();
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.enable');
        let bytes = 0, requests = 0;
        // finished responses, and the event stream's bytes as they arrive (it never finishes)
        cdp.on('Network.loadingFinished', e => { bytes += e.encodedDataLength; requests++; });
        const streams = new Set();
        cdp.on('Network.responseReceived', e => { if (e.response.mimeType === 'text/event-stream') streams.add(e.requestId); });
        await page.goto(url + '/');
        await page.waitForFunction(n => document.querySelectorAll('#fleet-table tbody tr').length >= n
            && performance.getEntriesByName('capfabric:fleet-rendered').length > 0, rows, { timeout: 30_000, polling: 20 });
        const mark = await page.evaluate(() => {
            const m = performance.getEntriesByName('capfabric:fleet-rendered')[0];
            return { startTime: m.startTime, eventChars: m.detail.eventChars };
        });
        const renderMs = mark.startTime;
        const drawn = await page.evaluate(() => document.querySelectorAll('#fleet-table tbody tr').length);
        // the stream never ends: counted up to its first event (ASCII JSON: one byte a character, plus the
        // 'event:'/'data:' framing), later events being updates, not what the first render needed
        console.log(JSON.stringify({ bytes: bytes + mark.eventChars + 20, first_event_bytes: mark.eventChars,
            requests: requests + streams.size, render_ms: Math.round(renderMs), rows: drawn }));
        await context.close();
    }
} finally {
    await browser.close();
}
