// The OpenAI-compatible front door driven by the official `openai` npm client (the exact version of
// .ci/npm/package.json, installed by .ci/setup), against nodes run from the built distribution:
//
//   node openai-sdk.test.mjs <capfabric-*.tar.gz>
//
// Starts a nats-server on loopback, an in-test OpenAI-compatible image backend (the documented
// /v1/models and /v1/images/generations shapes, as plugins/image's FakeBackend speaks them) and two
// nodes from the unpacked tarball that join the fabric:
//   back  - every shipped plugin (stt limited to pocketsphinx, the fast engine), images through the
//           in-test backend, an image queue of one job and a 1 MB stt body limit (for 429 and 413);
//   front - no stt provider at all: its transcriptions are routed to back; API keys required (a
//           jobs,read key for the tests, a read-only one for 403s).
// Then: models listed and retrieved; speech in mp3, opus, wav and pcm, each transcribed back (so WAV,
// MP3 and OGG made by the node's own tts are transcribed); the transcription response formats and
// stream: true; streamed speech; images as b64_json and url; OCR in Mistral's shape through the SDK's
// generic post; every error case through the SDK's error classes; a transcription routed from front to
// back; wrong, missing and under-scoped keys as the SDK's AuthenticationError and PermissionDeniedError.
// Every process it starts is stopped at the end. Needs node >= 20, nats-server, ffmpeg (to
// render the OCR test image) and fonts-dejavu-core.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, started, stopAll, until } from '../testlib.mjs';
import zlib from 'node:zlib';

const tarball = resolve(process.argv[2] ?? '');
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const modules = process.env.CAPFABRIC_NPM_MODULES || join(repo, 'target/npm/node_modules');
const require = createRequire(join(modules, 'noop.js'));
const OpenAI = require('openai');
const { toFile } = OpenAI;

const PHRASE = 'the quick brown fox jumps over the lazy dog';

const work = mkdtempSync(join(tmpdir(), 'capfabric-openai-'));
let nats, backend, back, front;
const keys = {};

// ---- helpers ------------------------------------------------------------------------------------

/** A new API key made by the distribution's own `capfabric key new`, its keys-file line appended to `file`. */
function newKey(home, file, name, scopes) {
    const [key, line] = execFileSync(join(home, 'bin/capfabric'), ['key', 'new', '--name', name, '--scopes', scopes],
        { env: { PATH: process.env.PATH, HOME: work, LANG: 'C.UTF-8' } }).toString().trim().split('\n');
    appendFileSync(file, line + '\n');
    return key;
}

async function startNode(home, id, env, apiKey = 'sk-capfabric-test') {
    const child = started(spawn(join(home, 'bin/capfabric'), [], {
        env: {
            PATH: process.env.PATH, HOME: work, LANG: 'C.UTF-8',
            CAPFABRIC_PORT: '0', CAPFABRIC_HOST: '127.0.0.1', CAPFABRIC_NODE_ID: id,
            CAPFABRIC_NATS_URL: nats.url, CAPFABRIC_WORK__DIR: join(work, id + '-work'),
            ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
    }), id);
    const port = await until(`${id} to serve`, async () => {
        if (child.exitCode !== null) throw new Error(`${id} exited: ${child.logs.slice(-3000)}`);
        return child.logs.match(/serving on http:\/\/[^ ]*:(\d+) /)?.[1];
    });
    child.url = `http://127.0.0.1:${port}`;
    child.client = new OpenAI({ baseURL: child.url + '/v1', apiKey, maxRetries: 0, timeout: 90_000 });
    return child;
}

async function modelIds(node) {
    const ids = [];
    for await (const model of node.client.models.list()) ids.push(model.id);
    return ids;
}

/** A PNG of w x h white pixels: what the in-test image backend answers. */
function png(w, h) {
    const chunk = (type, data) => {
        const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
        const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
        const crc = Buffer.alloc(4); crc.writeUInt32BE(zlib.crc32(td) >>> 0);
        return Buffer.concat([len, td, crc]);
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
    const rows = Buffer.alloc((w * 3 + 1) * h, 0xff);
    for (let y = 0; y < h; y++) rows[y * (w * 3 + 1)] = 0;
    return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/** Mono 16-bit samples in a WAV header: how the test turns OpenAI's headerless pcm back into a file. */
function wav(samples, rate) {
    const header = Buffer.alloc(44);
    header.write('RIFF', 0); header.writeUInt32LE(36 + samples.length, 4); header.write('WAVE', 8);
    header.write('fmt ', 12); header.writeUInt32LE(16, 16); header.writeUInt16LE(1, 20); header.writeUInt16LE(1, 22);
    header.writeUInt32LE(rate, 24); header.writeUInt32LE(rate * 2, 28); header.writeUInt16LE(2, 32); header.writeUInt16LE(16, 34);
    header.write('data', 36); header.writeUInt32LE(samples.length, 40);
    return Buffer.concat([header, samples]);
}

function assertHeard(text, what) {
    for (const word of ['quick', 'brown', 'fox', 'lazy', 'dog']) {
        assert.ok(text.toLowerCase().includes(word), `${what}: '${word}' not heard in '${text}'`);
    }
}

async function rejects(promise, errorClass, status, check = () => {}) {
    try {
        await promise;
    } catch (e) {
        assert.ok(e instanceof errorClass, `expected ${errorClass.name}, got ${e?.constructor?.name}: ${e?.message}`);
        assert.equal(e.status, status, e.message);
        assert.equal(typeof e.error?.message, 'string', 'an OpenAI-shaped error body');
        assert.ok('type' in e.error && 'param' in e.error && 'code' in e.error, JSON.stringify(e.error));
        check(e);
        return e;
    }
    assert.fail(`expected ${errorClass.name} ${status}`);
}

// ---- the fabric ---------------------------------------------------------------------------------

// the in-test image backend: a prompt starting with "hold" is answered only once released
const held = [];
let generations = 0;
function startBackend() {
    const server = createServer((req, res) => {
        let body = '';
        req.on('data', d => { body += d; });
        req.on('end', () => {
            if (req.method === 'GET' && req.url === '/v1/models') {
                res.setHeader('Content-Type', 'application/json');
                res.end(JSON.stringify({ object: 'list', data: [{ id: 'fake-diffusion', object: 'model', owned_by: 'test' }] }));
                return;
            }
            if (req.method === 'POST' && req.url === '/v1/images/generations') {
                generations++;
                const asked = JSON.parse(body);
                const [w, h] = (asked.size ?? '64x64').split('x').map(Number);
                const answer = () => {
                    res.setHeader('Content-Type', 'application/json');
                    res.end(JSON.stringify({ created: 1, data: Array.from({ length: asked.n ?? 1 }, () => ({ b64_json: png(w, h).toString('base64') })) }));
                };
                if (String(asked.prompt).startsWith('hold')) held.push(answer); else answer();
                return;
            }
            res.statusCode = 404;
            res.end('{"error":{"message":"not found"}}');
        });
    });
    return new Promise(ok => server.listen(0, '127.0.0.1', () => ok(server)));
}

before(async () => {
    assert.ok(existsSync(tarball), `no tarball at '${tarball}'`);
    execFileSync('tar', ['-xzf', tarball, '-C', work]);
    const home = join(work, readdirSync(work).find(n => n.startsWith('capfabric-')));

    const natsPort = await freePort();
    nats = started(spawn('nats-server', ['-a', '127.0.0.1', '-p', String(natsPort)], { stdio: ['ignore', 'pipe', 'pipe'] }), 'nats-server');
    nats.url = `nats://127.0.0.1:${natsPort}`;
    await until('nats-server', async () => nats.logs.includes('Server is ready'), 20_000);

    backend = await startBackend();
    const keysFile = join(work, 'front-keys');
    keys.app = newKey(home, keysFile, 'app', 'jobs,read');
    keys.viewer = newKey(home, keysFile, 'viewer', 'read');
    const common = { CAPFABRIC_PROVIDERS_SPHINX4_ENABLED: 'false', CAPFABRIC_FABRIC_HEARTBEAT__INTERVAL__MS: '1000' };
    [back, front] = await Promise.all([
        startNode(home, 'back', {
            ...common,
            CAPFABRIC_PROVIDERS_OPENAI_IMAGES_BASE_URL: `http://127.0.0.1:${backend.address().port}`,
            CAPFABRIC_DISPATCH_CAPABILITIES_IMAGE_QUEUE__CAPACITY: '1',
            CAPFABRIC_DISPATCH_CAPABILITIES_STT_MAX__BODY__BYTES: '1000000',
        }),
        startNode(home, 'front', { ...common, CAPFABRIC_PROVIDERS_POCKETSPHINX_ENABLED: 'false', CAPFABRIC_HTTP_KEYS__FILE: keysFile },
            keys.app),
    ]);
    // both loaded their plugins, and front knows back's models through the registry
    await until('back to list its models', async () => {
        const ids = await modelIds(back);
        return ['pocketsphinx', 'tts-1', 'fake-diffusion', 'tesseract'].every(id => ids.includes(id));
    });
    await until('front to see back\'s stt models', async () => (await modelIds(front)).includes('pocketsphinx'));
});

after(async () => {
    held.splice(0).forEach(answer => answer());
    await stopAll();
    backend?.close();
    rmSync(work, { recursive: true, force: true });
});

// ---- models -------------------------------------------------------------------------------------

test('models: the fleet\'s models and the aliases apps hard-code, listed and retrieved', async () => {
    const listed = [];
    for await (const model of back.client.models.list()) listed.push(model);
    const ids = listed.map(m => m.id);
    for (const id of ['whisper-1', 'tts-1', 'dall-e-2', 'mistral-ocr-latest', 'pocketsphinx', 'flite', 'fake-diffusion']) {
        assert.ok(ids.includes(id), `${id} not in ${ids}`);
    }
    assert.ok(!ids.includes('sphinx4'), 'a disabled provider is no model');
    for (const model of listed) {
        assert.equal(model.object, 'model');
        assert.equal(typeof model.created, 'number');
        assert.equal(typeof model.owned_by, 'string');
    }
    const whisper = await back.client.models.retrieve('whisper-1');
    assert.equal(whisper.id, 'whisper-1');
    assert.equal(whisper.capability, 'stt');
    assert.deepEqual(whisper.nodes, ['back']);
    await rejects(back.client.models.retrieve('no-such-model'), OpenAI.NotFoundError, 404,
        e => assert.equal(e.code, 'model_not_found'));
});

// ---- speech, transcribed back -------------------------------------------------------------------

const speech = {};

test('speech: mp3, opus, wav and pcm from the node\'s own tts, each in its own container', async () => {
    await Promise.all(['mp3', 'opus', 'wav', 'pcm'].map(async format => {
        const response = await back.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: PHRASE, response_format: format });
        speech[format] = Buffer.from(await response.arrayBuffer());
    }));
    const { mp3, opus, wav: wave, pcm } = speech;
    assert.ok(mp3.subarray(0, 3).toString('latin1') === 'ID3' || (mp3[0] === 0xff && (mp3[1] & 0xe0) === 0xe0), 'an MPEG audio stream');
    assert.equal(opus.subarray(0, 4).toString('latin1'), 'OggS');
    assert.ok(opus.includes(Buffer.from('OpusHead')), 'Ogg holding Opus');
    assert.equal(wave.subarray(0, 4).toString('latin1'), 'RIFF');
    assert.equal(wave.subarray(8, 12).toString('latin1'), 'WAVE');
    assert.equal(pcm.length % 2, 0);
    assert.ok(pcm.length > 24_000 * 2, 'over a second of 24 kHz 16-bit samples');
    assert.notEqual(pcm.subarray(0, 4).toString('latin1'), 'RIFF', 'pcm has no header');
});

test('transcriptions: MP3, OGG (Opus) and WAV speech and the pcm wrapped as WAV, each heard as the words spoken', async () => {
    assert.ok(speech.mp3, 'speech ran first');
    const files = [
        ['speech.mp3', speech.mp3], ['speech.ogg', speech.opus], ['speech.wav', speech.wav], ['pcm.wav', wav(speech.pcm, 24_000)],
    ];
    const texts = await Promise.all(files.map(async ([name, bytes]) =>
        (await back.client.audio.transcriptions.create({ file: await toFile(bytes, name), model: 'whisper-1' })).text));
    texts.forEach((text, i) => assertHeard(text, files[i][0]));
});

test('transcriptions: text, srt, vtt and verbose_json answers; word timings refused where the engine has none', async () => {
    const file = () => toFile(speech.wav, 'speech.wav');
    const [text, srt, vtt, verbose] = await Promise.all(['text', 'srt', 'vtt', 'verbose_json'].map(async format =>
        back.client.audio.transcriptions.create({ file: await file(), model: 'pocketsphinx', response_format: format, language: 'en' })));
    assertHeard(text, 'text');
    assert.match(srt, /^1\n00:00:00,000 --> 00:00:0\d,\d{3}\n.*fox/);
    assert.match(vtt, /^WEBVTT\n\n00:00:00\.000 --> 00:00:0\d\.\d{3}\n.*fox/);
    assert.equal(verbose.task, 'transcribe');
    assert.equal(verbose.language, 'english');
    assert.ok(verbose.duration > 1 && verbose.duration < 10, String(verbose.duration));
    assert.equal(verbose.segments.length, 1);
    assert.equal(verbose.segments[0].end, verbose.duration);
    await rejects(back.client.audio.transcriptions.create({ file: await file(), model: 'pocketsphinx', response_format: 'verbose_json',
        timestamp_granularities: ['word'] }), OpenAI.BadRequestError, 400, e => assert.equal(e.param, 'timestamp_granularities[]'));
});

test('transcriptions: stream: true answers transcript.text.delta and transcript.text.done events', async () => {
    const stream = await back.client.audio.transcriptions.create({ file: await toFile(speech.wav, 'speech.wav'), model: 'whisper-1', stream: true });
    const events = [];
    for await (const event of stream) events.push(event);
    assert.deepEqual(events.map(e => e.type), ['transcript.text.delta', 'transcript.text.done']);
    assertHeard(events[1].text, 'done event');
    assert.equal(events[0].delta, events[1].text);
});

test('translations: English speech comes back as English text', async () => {
    const translation = await back.client.audio.translations.create({ file: await toFile(speech.mp3, 'speech.mp3'), model: 'whisper-1' });
    assertHeard(translation.text, 'translation');
});

test('speech: stream_format audio arrives chunked, sse as speech.audio.delta events', async () => {
    const chunked = await back.client.audio.speech.create({ model: 'flite', voice: 'slt', input: PHRASE, response_format: 'mp3', stream_format: 'audio' });
    assert.equal(chunked.headers.get('transfer-encoding'), 'chunked');
    assert.equal(chunked.headers.get('content-type'), 'audio/mpeg');
    assert.ok((await chunked.arrayBuffer()).byteLength > 1000);
    const sse = await back.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: PHRASE, response_format: 'opus', stream_format: 'sse' });
    const text = await sse.text();
    const events = text.split('\n\n').filter(Boolean).map(e => JSON.parse(e.replace(/^data: /, '')));
    assert.ok(events.length >= 2);
    assert.equal(events.at(-1).type, 'speech.audio.done');
    const audio = Buffer.concat(events.slice(0, -1).map(e => { assert.equal(e.type, 'speech.audio.delta'); return Buffer.from(e.audio, 'base64'); }));
    assert.equal(audio.subarray(0, 4).toString('latin1'), 'OggS');
});

// ---- images and ocr -----------------------------------------------------------------------------

test('images: b64_json (one and several) and url, the url served by the node', async () => {
    const one = await back.client.images.generate({ model: 'dall-e-2', prompt: 'a red fox', size: '128x64', response_format: 'b64_json' });
    assert.equal(typeof one.created, 'number');
    assert.equal(one.data.length, 1);
    const bytes = Buffer.from(one.data[0].b64_json, 'base64');
    assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG');
    assert.equal(bytes.readUInt32BE(16), 128);
    assert.equal(one.data[0].revised_prompt, 'a red fox');
    const two = await back.client.images.generate({ model: 'fake-diffusion', prompt: 'two foxes', n: 2, size: '64x64', response_format: 'b64_json' });
    assert.equal(two.data.length, 2);
    const url = await back.client.images.generate({ model: 'dall-e-2', prompt: 'a fox by url', size: '64x64', response_format: 'url' });
    assert.match(url.data[0].url, /^http:\/\/127\.0\.0\.1:\d+\/v1\/images\/files\/[0-9a-f]{32}\.png$/);
    const fetched = await fetch(url.data[0].url);
    assert.equal(fetched.status, 200);
    assert.equal(fetched.headers.get('content-type'), 'image/png');
    assert.equal(Buffer.from(await fetched.arrayBuffer()).subarray(1, 4).toString('latin1'), 'PNG');
    const missing = await fetch(url.data[0].url.replace(/[0-9a-f]{32}/, '0'.repeat(32)));
    assert.equal(missing.status, 404);
});

test('ocr: Mistral\'s shape, through the SDK\'s generic post', async () => {
    const image = join(work, 'words.png');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'color=white:s=640x120', '-vf',
        "drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:text='CAPABILITY FABRIC':fontsize=48:x=20:y=30:fontcolor=black",
        '-frames:v', '1', image]);
    const answer = await back.client.post('/ocr', { body: {
        model: 'mistral-ocr-latest',
        document: { type: 'image_url', image_url: 'data:image/png;base64,' + readFileSync(image).toString('base64') },
    } });
    assert.equal(answer.pages.length, 1);
    assert.match(answer.pages[0].markdown, /CAPABILITY\s+FABRIC/);
    assert.deepEqual(answer.pages[0].dimensions, { dpi: null, height: 120, width: 640 });
    assert.equal(answer.model, 'mistral-ocr-latest');
    assert.equal(answer.usage_info.pages_processed, 1);
    await rejects(back.client.post('/ocr', { body: { model: 'mistral-ocr-latest', document: { type: 'document_url', document_url: 'data:text/html;base64,PGI+' } } }),
        OpenAI.APIError, 415, e => assert.equal(e.code, 'unsupported_format'));
    await rejects(back.client.post('/ocr', { body: { model: 'mistral-ocr-latest', document: { type: 'document_url', document_url: 'data:application/pdf;base64,JVBERi0xLjQKJWJyb2tlbg==' } } }),
        OpenAI.BadRequestError, 400);
    await rejects(back.client.post('/ocr', { body: { model: 'mistral-ocr-latest', document: { type: 'image_url', image_url: 'https://example.com/a.png' } } }),
        OpenAI.BadRequestError, 400);
});

// ---- errors -------------------------------------------------------------------------------------

test('errors: unknown or wrong model 404/400, bad or unknown file 400, too large 413, bad speech 400', async () => {
    const wavFile = () => toFile(speech.wav, 'speech.wav');
    for (const model of ['whisper-9', 'nobody/has-this']) {
        await rejects(back.client.audio.transcriptions.create({ file: await wavFile(), model }), OpenAI.NotFoundError, 404,
            e => { assert.equal(e.code, 'model_not_found'); assert.equal(e.param, 'model'); assert.equal(e.headers.get('x-should-retry'), 'false'); });
    }
    await rejects(back.client.audio.speech.create({ model: 'no-voice-model', voice: 'alloy', input: 'hi' }), OpenAI.NotFoundError, 404);
    await rejects(back.client.images.generate({ model: 'no-painter', prompt: 'x' }), OpenAI.NotFoundError, 404);
    await rejects(back.client.audio.transcriptions.create({ file: await wavFile(), model: 'tts-1' }), OpenAI.BadRequestError, 400,
        e => assert.equal(e.code, 'model_not_supported'));
    // not audio at all, under every name OpenAI takes
    const noise = Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) % 251));
    for (const name of ['noise.mp3', 'noise.wav', 'noise.ogg', 'noise.m4a']) {
        await rejects(back.client.audio.transcriptions.create({ file: await toFile(noise, name), model: 'whisper-1' }), OpenAI.BadRequestError, 400,
            e => assert.equal(e.param, 'file'));
    }
    await rejects(back.client.audio.transcriptions.create({ file: await toFile(speech.wav, 'speech.txt'), model: 'whisper-1' }),
        OpenAI.BadRequestError, 400, e => assert.match(e.message, /Supported formats: flac, mp3/));
    await rejects(back.client.audio.transcriptions.create({ file: await toFile(Buffer.alloc(1_200_000), 'big.wav'), model: 'whisper-1' }),
        OpenAI.APIError, 413, e => assert.equal(e.code, 'request_too_large'));
    await rejects(back.client.audio.transcriptions.create({ file: await wavFile(), model: 'whisper-1', response_format: 'xml' }),
        OpenAI.BadRequestError, 400, e => assert.equal(e.param, 'response_format'));
    await rejects(back.client.audio.transcriptions.create({ file: await wavFile(), model: 'whisper-1', language: 'tlh' }),
        OpenAI.BadRequestError, 400, e => assert.equal(e.param, 'language'));
    await rejects(back.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'x'.repeat(4097) }), OpenAI.BadRequestError, 400,
        e => assert.equal(e.param, 'input'));
    await rejects(back.client.audio.speech.create({ model: 'tts-1', voice: 'no-such-voice', input: 'hi' }), OpenAI.BadRequestError, 400,
        e => assert.equal(e.param, 'voice'));
    await rejects(back.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'hi', speed: 9 }), OpenAI.BadRequestError, 400,
        e => assert.equal(e.param, 'speed'));
    await rejects(back.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'hi', response_format: 'midi' }), OpenAI.BadRequestError, 400,
        e => assert.equal(e.param, 'response_format'));
    await rejects(back.client.images.generate({ model: 'dall-e-2', prompt: 'x', size: 'huge' }), OpenAI.BadRequestError, 400,
        e => assert.equal(e.param, 'size'));
});

test('errors: a busy node answers 429 with Retry-After, which the SDK would retry', async () => {
    const before = generations;
    // one generation holds the backend, one waits in the queue of one: the next is refused at once
    // (the second is sent only once the first has left the queue, or the two would race for its one place)
    const hold = i => back.client.images.generate({ model: 'fake-diffusion', prompt: `hold ${i}`, response_format: 'b64_json' });
    const holding = [hold(1)];
    await until('one generation held', async () => generations === before + 1, 30_000);
    holding.push(hold(2));
    await until('one generation held and one queued', async () => {
        const caps = await (await fetch(back.url + '/caps')).json();
        return generations === before + 1 && caps.load.queue_depth.image === 1;
    }, 30_000);
    const busy = await rejects(back.client.images.generate({ model: 'fake-diffusion', prompt: 'one too many', response_format: 'b64_json' }),
        OpenAI.RateLimitError, 429);
    assert.ok(Number(busy.headers.get('retry-after')) >= 1);
    assert.equal(busy.headers.get('x-should-retry'), 'true');
    await until('the held generation to reach the backend', async () => { held.splice(0).forEach(a => a()); return generations === before + 2; }, 30_000);
    held.splice(0).forEach(answer => answer());
    for (const result of await Promise.all(holding)) assert.equal(result.data.length, 1);
});

// ---- routing ------------------------------------------------------------------------------------

test('routing: a node without stt routes the transcription to the node that has the model', async () => {
    const ids = await modelIds(front);
    assert.ok(ids.includes('pocketsphinx') && ids.includes('whisper-1'), 'front lists back\'s models');
    const model = await front.client.models.retrieve('pocketsphinx');
    assert.deepEqual(model.nodes, ['back']);
    // routing takes a node heard within three heartbeats: on a loaded machine one may come late, so front hears back first
    await until('front to hear back', async () => {
        const listing = await (await fetch(front.url + '/v1/nodes', { headers: { Authorization: `Bearer ${keys.app}` } })).json();
        return listing.nodes.some(n => n.node_id === 'back' && n.status === 'ok');
    }, 30_000);
    const { data, response } = await front.client.audio.transcriptions
        .create({ file: await toFile(speech.mp3, 'speech.mp3'), model: 'pocketsphinx' }).withResponse();
    assertHeard(data.text, 'routed transcription');
    assert.equal(response.headers.get('x-capfabric-node'), 'back');
    assert.equal(response.headers.get('x-capfabric-provider'), 'pocketsphinx');
    await rejects(front.client.audio.transcriptions.create({ file: await toFile(speech.mp3, 'speech.mp3'), model: 'no-such-model' }),
        OpenAI.NotFoundError, 404);
});

// ---- API keys -----------------------------------------------------------------------------------

test('keys: a missing or unknown key is AuthenticationError, a key without the jobs scope PermissionDeniedError', async () => {
    const as = apiKey => new OpenAI({ baseURL: front.url + '/v1', apiKey, maxRetries: 0, timeout: 30_000 });
    const wav = () => toFile(speech.wav, 'speech.wav');
    // an unknown key on a reading route and on each kind of job route (fewer than the 10 failures that slow an address)
    const stranger = as('cf_' + 'x'.repeat(43));
    await rejects(stranger.models.list(), OpenAI.AuthenticationError, 401, e => assert.equal(e.code, 'invalid_api_key'));
    await rejects(stranger.audio.transcriptions.create({ file: await wav(), model: 'whisper-1' }), OpenAI.AuthenticationError, 401,
        e => assert.equal(e.code, 'invalid_api_key'));
    await rejects(stranger.images.generate({ model: 'dall-e-2', prompt: 'x' }), OpenAI.AuthenticationError, 401);
    // no key at all: the SDK sends 'Bearer ' with nothing after it
    await rejects(as('').models.list(), OpenAI.AuthenticationError, 401, e => assert.equal(e.code, 'missing_api_key'));
    // a read-only key lists models but runs no job
    const viewer = as(keys.viewer);
    const ids = [];
    for await (const model of viewer.models.list()) ids.push(model.id);
    assert.ok(ids.includes('whisper-1'), String(ids));
    await rejects(viewer.audio.transcriptions.create({ file: await wav(), model: 'whisper-1' }), OpenAI.PermissionDeniedError, 403,
        e => assert.equal(e.code, 'insufficient_permissions'));
    await rejects(viewer.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'hi' }), OpenAI.PermissionDeniedError, 403);
    await rejects(viewer.images.generate({ model: 'dall-e-2', prompt: 'x' }), OpenAI.PermissionDeniedError, 403);
    await rejects(viewer.post('/ocr', { body: { model: 'mistral-ocr-latest', document: { type: 'image_url', image_url: 'data:image/png;base64,AA==' } } }),
        OpenAI.PermissionDeniedError, 403);
});
