// The long-recording benchmark: a recording of synthesised speech (flite slt, sentences with pauses;
// generated here, never committed) transcribed by pocketsphinx on one node whole, then split into
// parts across 1, 2 and 4 nodes, each node a process of its own from the built tarball with one
// decoder, over a nats-server (JetStream) on loopback. Reports wall time, speed-up against the whole
// run, WER against the text spoken and against the whole run's text, and the parts each node heard.
//
//   node distribution/src/bench/stt-split-bench.mjs <capfabric-*.tar.gz> [minutes=30] [nodes=1,2,4] [part-seconds=120]
//
// Each configuration starts a fresh fleet, sends the recording to node n1 once, and stops the fleet.
// Prints Markdown for docs/BENCHMARKS.md, with `uptime` before each run.
import { execFileSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { resolve } from 'node:path';
import { Fleet, spokenRecording, wordErrorRate } from '../test/split/fleet.mjs';

const tarball = resolve(process.argv[2] ?? '');
const minutes = Number(process.argv[3] ?? 30);
const counts = (process.argv[4] ?? '1,2,4').split(',').map(Number);
const partSeconds = Number(process.argv[5] ?? 120);

const started = Date.now();
const recording = spokenRecording(minutes * 60, [0.8, 1.2, 0.6]);
const said = recording.said.join(' ');
console.error(`recording: ${recording.seconds.toFixed(1)} s, ${recording.said.length} sentences, `
    + `${(recording.wav.length / 1e6).toFixed(1)} MB, made in ${((Date.now() - started) / 1000).toFixed(1)} s`);

const env = {
    CAPFABRIC_PROVIDERS_SPHINX4_ENABLED: 'false',
    CAPFABRIC_PROVIDERS_POCKETSPHINX_CONCURRENCY: '1',
    CAPFABRIC_PROVIDERS_POCKETSPHINX_MAX_AUDIO_SECONDS: String(Math.ceil(recording.seconds) + 60),
    CAPFABRIC_PROVIDERS_POCKETSPHINX_MAX_INPUT_BYTES: String(recording.wav.length + (1 << 20)),
    CAPFABRIC_PROVIDERS_POCKETSPHINX_SPLIT_ABOVE_SECONDS: String(Math.min(300, partSeconds * 2)),
    CAPFABRIC_PROVIDERS_POCKETSPHINX_SPLIT_PART_SECONDS: String(partSeconds),
    CAPFABRIC_PROVIDERS_POCKETSPHINX_SPLIT_MAX_PARTS: '64',
    CAPFABRIC_DISPATCH_MAX__BODY__BYTES: String(recording.wav.length + (1 << 20)),
    CAPFABRIC_DISPATCH_CAPABILITIES_STT_MAX__BODY__BYTES: String(recording.wav.length + (1 << 20)),
    CAPFABRIC_DISPATCH_MAX__TIMEOUT__MS: '3600000',
    CAPFABRIC_FABRIC_HEARTBEAT__INTERVAL__MS: '500',
};

/** POSTs a body and reads the whole answer, however long it takes: `{status, body}`. */
function post(url, headers, body) {
    return new Promise((ok, fail) => {
        const request = httpRequest(url, { method: 'POST', headers: { ...headers, 'Content-Length': body.length } }, response => {
            const chunks = [];
            response.on('data', chunk => chunks.push(chunk));
            response.on('end', () => ok({ status: response.statusCode, body: Buffer.concat(chunks).toString() }));
            response.on('error', fail);
        });
        request.on('error', fail);
        request.end(body);
    });
}

async function run(nodeCount, whole) {
    const fleet = new Fleet(tarball);
    try {
        await fleet.startNats();
        const ids = Array.from({ length: nodeCount }, (_, i) => `n${i + 1}`);
        const nodes = await Promise.all(ids.map(id => fleet.startNode(id, env)));
        await fleet.awaitModelOn(nodes[0], 'pocketsphinx', ids);
        const uptime = execFileSync('uptime').toString().trim();
        const begin = performance.now();
        // node:http, not fetch: fetch gives up on an answer whose headers take more than 300 s (a 30-minute recording whole)
        const response = await post(`${nodes[0].url}/v1/capability/stt?provider=pocketsphinx&language=en${whole ? '&part=0/1' : ''}`,
            { 'Content-Type': 'audio/wav', 'X-Request-Timeout': '3600000' }, recording.wav);
        const body = response.body;
        const seconds = (performance.now() - begin) / 1000;
        if (response.status !== 200) throw new Error(`${response.status}: ${body.slice(0, 2000)}`);
        const answer = JSON.parse(body);
        const perNode = {};
        for (const part of answer.parts ?? []) perNode[part.node] = (perNode[part.node] ?? 0) + 1;
        return { nodeCount, whole, seconds, text: answer.text, parts: answer.parts?.length ?? 1, perNode, uptime };
    } finally {
        await fleet.stopAll();
        fleet.remove();
    }
}

const results = [];
const baseline = await run(1, true);
results.push(baseline);
console.error(`whole on 1 node: ${baseline.seconds.toFixed(1)} s`);
for (const count of counts) {
    const result = await run(count, false);
    results.push(result);
    console.error(`split on ${count} node(s): ${result.seconds.toFixed(1)} s`);
}

console.log(`Recording: ${(recording.seconds / 60).toFixed(1)} min (${recording.seconds.toFixed(1)} s) of flite slt speech, `
    + `${recording.said.length} sentences, pauses of 0.6–1.2 s; parts of about ${partSeconds} s.\n`);
console.log('| run | nodes | parts (per node) | wall time (s) | RTF | speed-up vs whole | WER vs spoken | WER vs whole run | load before (uptime) |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
    const perNode = Object.entries(r.perNode).sort().map(([node, n]) => `${node}: ${n}`).join(', ');
    console.log(`| ${r.whole ? 'whole' : 'split'} | ${r.nodeCount} | ${r.parts}${perNode ? ` (${perNode})` : ''} | ${r.seconds.toFixed(1)} | `
        + `${(r.seconds / recording.seconds).toFixed(3)} | ${(baseline.seconds / r.seconds).toFixed(2)}× | `
        + `${(100 * wordErrorRate(said, r.text)).toFixed(1)} % | ${(100 * wordErrorRate(baseline.text.toLowerCase(), r.text)).toFixed(1)} % | `
        + `${r.uptime.replace(/.*load average: /, '')} |`);
}
