// The web console in a real browser: Debian's chromium driven by playwright-core (the exact version of
// .ci/npm/package.json; it never downloads a browser), against three nodes run from the built
// distribution over a real nats-server:
//
//   node console.test.mjs <capfabric-*.tar.gz> [screenshot dir] [plugin jar]
//
//   a - every shipped plugin but the slow or remote providers (tts by flite, stt by pocketsphinx, ocr by tesseract);
//   b - the tts plugin only;     c - no plugins at all.
// Short registry timings (heartbeat 500 ms: stale after 1.5 s of silence, gone after 6 s) keep it fast.
// Checks: a's fleet page lists the three nodes live; a drain clicked on a's page shows `draining` on the
// pages of a, b and c (each served by its own node, each fed by its own event stream), then undrains; Try it
// on a's page speaks, plays, transcribes that speech back and reads an image; c killed with SIGKILL turns
// stale, then gone, on a's page without a reload; the pages stay readable on a phone-sized screen.
// Screenshots go to distribution/target/screenshots (or the given folder). Every process is stopped at the end.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, existsSync, cpSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, started, stopAll, until } from '../testlib.mjs';

const tarball = resolve(process.argv[2] ?? '');
const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const shots = resolve(process.argv[3] ?? join(repo, 'distribution/target/screenshots'));
// a small plugin jar (the smoke test's, capability smoke-echo) for Operate's install and remove; skipped without it
const pluginJar = process.argv[4] && existsSync(process.argv[4]) ? resolve(process.argv[4]) : null;
const modules = process.env.CAPFABRIC_NPM_MODULES || join(repo, 'target/npm/node_modules');
const require = createRequire(join(modules, 'noop.js'));
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.CAPFABRIC_CHROMIUM || '/usr/bin/chromium';
const PHRASE = 'the quick brown fox jumps over the lazy dog';
const work = mkdtempSync(join(tmpdir(), 'capfabric-console-'));
let nats, browser, key, keysFile;
const nodes = {};

async function startNode(home, id, plugins) {
    const dir = join(work, id + '-plugins');
    mkdirSync(dir, { recursive: true });
    for (const plugin of plugins) cpSync(join(home, 'plugins', plugin), join(dir, plugin), { recursive: true });
    const child = started(spawn(join(home, 'bin/capfabric'), [], {
        env: {
            PATH: process.env.PATH, HOME: work, LANG: 'C.UTF-8',
            CAPFABRIC_PORT: '0', CAPFABRIC_HOST: '127.0.0.1', CAPFABRIC_NODE_ID: id,
            CAPFABRIC_NATS_URL: nats.url, CAPFABRIC_WORK__DIR: join(work, id + '-work'), CAPFABRIC_PLUGINS_DIR: dir,
            CAPFABRIC_FABRIC_HEARTBEAT__INTERVAL__MS: '500', CAPFABRIC_FABRIC_ADMIN_ENABLED: 'true',
            CAPFABRIC_HTTP_KEYS__FILE: keysFile,
            CAPFABRIC_CONSOLE_EVENTS__INTERVAL__MS: '250',
            // the fast engines only: the test is about the page, not the engines
            CAPFABRIC_PROVIDERS_SPHINX4_ENABLED: 'false', CAPFABRIC_PROVIDERS_FREETTS_ENABLED: 'false',
            CAPFABRIC_PROVIDERS_ESPEAK__NG_ENABLED: 'false',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
    }), id);
    const port = await until(`${id} to serve`, async () => {
        if (child.exitCode !== null) throw new Error(`${id} exited: ${child.logs.slice(-3000)}`);
        return child.logs.match(/serving on http:\/\/[^ ]*:(\d+) /)?.[1];
    });
    child.url = `http://127.0.0.1:${port}`;
    return child;
}

/**
 * A fresh browser context on a node's console, with the operator's key in its sessionStorage before the
 * page runs (as after pasting it once in that tab: the first test pastes it through the form).
 */
async function openPage(node, viewport = { width: 1280, height: 900 }) {
    const page = await browser.newPage({ viewport });
    page.errors = [];
    page.on('pageerror', e => page.errors.push(e.message));
    await page.addInitScript(k => sessionStorage.setItem('capfabric.api-key', k), key);
    await page.goto(node.url + '/');
    return page;
}

/** The status a page shows for a node, live (no reload). */
function statusOn(page, id) {
    return page.locator(`#fleet-table tr[data-node="${id}"]`).getAttribute('data-status');
}

async function awaitStatus(page, id, status, ms) {
    // attached, not visible: the fleet section may be hidden behind another one, it is updated all the same
    await page.waitForSelector(`#fleet-table tr[data-node="${id}"][data-status="${status}"]`, { timeout: ms, state: 'attached' });
}

async function shot(page, name) {
    await page.screenshot({ path: join(shots, name + '.png'), fullPage: true });
}

before(async () => {
    assert.ok(existsSync(tarball), `no tarball at '${tarball}'`);
    assert.ok(existsSync(CHROMIUM), `no browser at ${CHROMIUM} (Debian package chromium, installed by .ci/setup)`);
    mkdirSync(shots, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', work]);
    const home = join(work, readdirSync(work).find(n => n.startsWith('capfabric-')));
    // API keys on: the data routes need read, Operate needs admin, the pages themselves none
    const made = execFileSync(join(home, 'bin/capfabric'), ['key', 'new', '--name', 'ops', '--scopes', 'admin,read,jobs'],
        { env: { PATH: process.env.PATH, HOME: work } }).toString().trim().split('\n');
    key = made[0];
    keysFile = join(work, 'keys');
    writeFileSync(keysFile, made[1] + '\n');
    const natsPort = await freePort();
    nats = started(spawn('nats-server', ['-a', '127.0.0.1', '-p', String(natsPort)], { stdio: ['ignore', 'pipe', 'pipe'] }), 'nats-server');
    nats.url = `nats://127.0.0.1:${natsPort}`;
    await until('nats-server', async () => nats.logs.includes('Server is ready'), 20_000);
    [nodes.a, nodes.b, nodes.c] = await Promise.all([
        startNode(home, 'a', ['tts', 'stt', 'ocr']),
        startNode(home, 'b', ['tts']),
        startNode(home, 'c', []),
    ]);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'] });
});

after(async () => {
    await browser?.close().catch(() => {});
    await stopAll();
    rmSync(work, { recursive: true, force: true });
});

test('without a key the page says what it needs; with one it streams', async () => {
    const page = await browser.newPage();
    await page.goto(nodes.a.url + '/');
    assert.equal(await page.title(), 'capfabric console');
    await page.waitForFunction(() => /401 unauthorized.*read scope/.test(document.getElementById('feed-state').textContent), null, { timeout: 10_000 });
    await page.fill('#key', 'cf_' + 'x'.repeat(43));
    await page.click('#key-form button[type=submit]');
    await page.waitForFunction(() => /401 unauthorized/.test(document.getElementById('feed-state').textContent), null, { timeout: 10_000 });
    await page.fill('#key', key);
    await page.click('#key-form button[type=submit]');
    await page.waitForSelector('#feed-state[data-state=live]', { timeout: 10_000 });
    assert.equal(await page.evaluate(() => sessionStorage.getItem('capfabric.api-key')), key);
    await page.close();
});

test('the fleet page shows the three nodes of the fabric, live', async () => {
    const page = await openPage(nodes.a);
    for (const id of ['a', 'b', 'c']) await awaitStatus(page, id, 'ok', 60_000);
    assert.match(await page.textContent('#fleet-summary'), /^3 nodes: 3 ok$/);
    const row = page.locator('#fleet-table tr[data-node="a"]');
    const text = await row.textContent();
    for (const expected of ['this node', 'tts', 'stt', 'ocr', 'flite', 'pocketsphinx', 'tesseract', 'CPUs']) {
        assert.ok(text.includes(expected), `a's row lacks '${expected}': ${text}`);
    }
    assert.ok((await page.locator('#fleet-table tr[data-node="b"]').textContent()).includes('flite'));
    assert.equal(await page.getAttribute('#feed-state', 'role'), 'status');
    assert.equal(await page.getAttribute('#fleet-summary', 'aria-live'), 'polite');
    // the node page: a's /caps for people, providers with reasons and plugins
    await page.click('#fleet-table tr[data-node="b"] a');
    await page.waitForSelector('#node-body table');
    const nodeText = await page.textContent('#node-body');
    assert.ok(nodeText.includes('flite') && nodeText.includes('Plugins'), nodeText.slice(0, 500));
    await shot(page, 'node-b');
    await page.goto(nodes.a.url + '/#fleet');
    await awaitStatus(page, 'c', 'ok', 10_000);
    await shot(page, 'fleet');
    assert.deepEqual(page.errors, []);
    await page.close();
});

test('a drain from the page shows draining on every node\'s page, and undrains', async () => {
    const pages = await Promise.all(['a', 'b', 'c'].map(id => openPage(nodes[id])));
    for (const page of pages) await awaitStatus(page, 'b', 'ok', 30_000);
    const [onA] = pages;
    await onA.click('nav a[data-section=operate]');
    await onA.click('#operate-table button[data-node="b"][data-verb="drain"]');
    for (const page of pages) await awaitStatus(page, 'b', 'draining', 15_000);
    assert.match(await onA.textContent('#operate-log'), /drain b: done/);
    await shot(onA, 'operate-drained');
    await onA.click('#operate-table button[data-node="b"][data-verb="undrain"]');
    for (const page of pages) await awaitStatus(page, 'b', 'ok', 15_000);
    for (const page of pages) {
        assert.deepEqual(page.errors, []);
        await page.close();
    }
});

test('Operate: a plugin installed on every live node from the page, with progress, then removed', { skip: !pluginJar && 'no plugin jar given' }, async () => {
    const page = await openPage(nodes.a);
    await page.click('nav a[data-section=operate]');
    await page.waitForSelector('#install-node option[value="c"]', { state: 'attached' });
    await page.setInputFiles('#install-jar', { name: 'smoke-echo.jar', mimeType: 'application/java-archive', buffer: readFileSync(pluginJar) });
    await page.selectOption('#install-node', '*');
    await page.click('#install button[type=submit]');
    for (const id of ['a', 'b', 'c']) {
        await page.waitForSelector(`#install-nodes li[data-node="${id}"][data-stage=loaded]`, { timeout: 60_000 });
        assert.equal(await page.getAttribute(`#install-nodes li[data-node="${id}"] progress`, 'value'), '100');
        // the steps came as they happened (POST /admin/rollout's progress stream), not only the end
        const seen = await page.getAttribute(`#install-nodes li[data-node="${id}"]`, 'data-seen');
        assert.match(seen, /\b(received|verified)\b.*\bloaded\b/, `${id} saw ${seen}`);
    }
    // the summary comes with the rollout's last line, after the nodes' own last steps
    await page.waitForFunction(() => /install smoke-echo\.jar: 3 of 3 node\(s\) loaded it/.test(document.getElementById('operate-log').textContent),
        null, { timeout: 30_000 });
    // the new capability reaches the fleet view of every node by their heartbeats
    await page.waitForFunction(() => ['a', 'b', 'c'].every(id =>
        document.querySelector(`#fleet-table tr[data-node="${id}"]`)?.textContent.includes('smoke-echo')), null, { timeout: 30_000 });
    await shot(page, 'operate-installed');
    await page.selectOption('#remove-node', '*');
    await page.fill('#remove-name', 'smoke-echo');
    await page.click('#remove button[type=submit]');
    for (const id of ['a', 'b', 'c']) {
        await page.waitForFunction(id => [...document.querySelectorAll('#operate-log li.ok')].some(li => li.textContent.includes(`remove smoke-echo from ${id}: done`)),
            id, { timeout: 30_000 });
    }
    await page.waitForFunction(() => !document.querySelector('#fleet-table').textContent.includes('smoke-echo'), null, { timeout: 30_000 });
    // a jar that is not one: refused, and the page says so per node
    await page.setInputFiles('#install-jar', { name: 'broken.jar', mimeType: 'application/java-archive', buffer: Buffer.from('not a jar at all') });
    await page.selectOption('#install-node', 'c');
    await page.click('#install button[type=submit]');
    await page.waitForSelector('#install-nodes li[data-node="c"][data-stage=failed]', { timeout: 30_000 });
    assert.deepEqual(page.errors, []);
    await page.close();
});

test('Try it: text to speech plays, the speech transcribes back, an image is read', async () => {
    const page = await openPage(nodes.a);
    await page.click('nav a[data-section=try]');
    await page.fill('#tts-text', PHRASE);
    await page.click('#try-tts button[type=submit]');
    await page.waitForSelector('#try-tts .served[data-node]', { timeout: 60_000 });
    assert.match(await page.textContent('#try-tts .served'), /^Served by node a, provider flite, in \d+ ms$/);
    // the speech is in the player, and it plays
    await page.waitForFunction(() => document.getElementById('tts-audio').duration > 0.5, null, { timeout: 10_000 });
    await page.click('#stt-last');
    await page.click('#try-stt button[type=submit]');
    await page.waitForSelector('#try-stt .served[data-node]', { timeout: 60_000 });
    const heard = (await page.textContent('#stt-text')).toLowerCase();
    for (const word of ['quick', 'brown', 'fox', 'lazy', 'dog']) assert.ok(heard.includes(word), `'${word}' not heard in '${heard}'`);
    assert.match(await page.textContent('#try-stt .served'), /provider pocketsphinx/);

    const image = join(work, 'words.png');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'color=white:s=640x120', '-vf',
        "drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:text='CAPABILITY FABRIC':fontsize=48:x=20:y=30:fontcolor=black",
        '-frames:v', '1', '-y', image]);
    await page.setInputFiles('#ocr-file', image);
    await page.click('#try-ocr button[type=submit]');
    await page.waitForSelector('#try-ocr .served[data-node]', { timeout: 60_000 });
    assert.match(await page.textContent('#ocr-text'), /CAPABILITY FABRIC/);
    assert.match(await page.textContent('#try-ocr .served'), /^Served by node a, provider tesseract, in \d+ ms$/);

    // no image backend in this fabric: the page says so, as the API does
    await page.click('#try-image button[type=submit]');
    await page.waitForSelector('#try-image .served.bad', { timeout: 30_000 });
    assert.match(await page.textContent('#try-image .served'), /^[45]\d\d \w+: .*image/);
    await shot(page, 'try-it');
    assert.deepEqual(page.errors, []);
    await page.close();
});

test('a node killed outright turns stale, then gone, on the page without a reload', async () => {
    const page = await openPage(nodes.a);
    const phone = await openPage(nodes.a, { width: 390, height: 844 });
    await awaitStatus(page, 'c', 'ok', 30_000);
    await page.evaluate(() => { window.loaded = performance.timeOrigin; });
    nodes.c.kill('SIGKILL');
    const killed = Date.now();
    await awaitStatus(page, 'c', 'stale', 10_000);
    const stale = Date.now() - killed;
    await shot(page, 'node-stale');
    await awaitStatus(page, 'c', 'gone', 20_000);
    const gone = Date.now() - killed;
    // the same page all along: no reload happened
    assert.ok(await page.evaluate(() => window.loaded === performance.timeOrigin));
    assert.ok(stale < gone, `stale after ${stale} ms, gone after ${gone} ms`);
    assert.equal(await statusOn(page, 'a'), 'ok');
    assert.equal(await statusOn(page, 'b'), 'ok');
    await shot(page, 'node-gone');
    await awaitStatus(phone, 'c', 'gone', 10_000);
    // readable on a phone: no sideways scrolling of the page itself
    assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'the phone page scrolls sideways');
    await shot(phone, 'fleet-phone');
    console.log(`c went stale ${stale} ms and gone ${gone} ms after SIGKILL (heartbeat 500 ms)`);
    assert.deepEqual(page.errors, []);
    await page.close();
    await phone.close();
});
