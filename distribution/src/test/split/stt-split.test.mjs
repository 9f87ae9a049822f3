// A long recording transcribed in parts across a fleet, against nodes run from the built distribution:
//
//   node stt-split.test.mjs <capfabric-*.tar.gz>
//
// Starts a nats-server (JetStream) on loopback and three nodes from the unpacked tarball, each with
// the pocketsphinx stt provider (one decoder) set to split recordings above 20 s into parts of about
// 12 s. A recording of about 45 s of real speech (flite's slt voice, sentences with pauses between
// them) is sent to node a: its parts go to every node, the cuts fall in pauses, and the merged answer
// has the whole recording's shape, its segments tiling the recording in order, each holding the words
// spoken in its time span, naming the node that heard it. The same recording run whole (a job marked
// as a part runs whole) says the same words for the same length. The OpenAI front door answers the
// split recording's verbose_json and srt with those segments. Needs node >= 20, nats-server, flite.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Fleet, insideSpeech, saidBetween, spokenRecording, wordErrorRate } from './fleet.mjs';

const tarball = resolve(process.argv[2] ?? '');
const NODES = ['a', 'b', 'c'];
let fleet;
let nodes;
let recording;

before(async () => {
    assert.ok(existsSync(tarball), `no tarball at '${tarball}'`);
    recording = spokenRecording(45, [0.8, 1.2, 0.6]);
    fleet = new Fleet(tarball);
    await fleet.startNats();
    const env = {
        CAPFABRIC_PROVIDERS_SPHINX4_ENABLED: 'false',
        CAPFABRIC_PROVIDERS_POCKETSPHINX_CONCURRENCY: '1',
        CAPFABRIC_PROVIDERS_POCKETSPHINX_SPLIT_ABOVE_SECONDS: '20',
        CAPFABRIC_PROVIDERS_POCKETSPHINX_SPLIT_PART_SECONDS: '12',
        CAPFABRIC_FABRIC_HEARTBEAT__INTERVAL__MS: '500',
    };
    nodes = await Promise.all(NODES.map(id => fleet.startNode(id, env)));
    await fleet.awaitModelOn(nodes[0], 'pocketsphinx', NODES);
});

after(async () => {
    await fleet?.stopAll();
    fleet?.remove();
});

async function transcribe(node, query) {
    const response = await fetch(`${node.url}/v1/capability/stt?provider=pocketsphinx&language=en${query}`, {
        method: 'POST', headers: { 'Content-Type': 'audio/wav', 'X-Request-Timeout': '120000' }, body: recording.wav,
    });
    const body = await response.text();
    assert.equal(response.status, 200, body);
    return JSON.parse(body);
}

test('a long recording is split in its pauses, heard on every node, and merged with times in the recording', async () => {
    const [split, whole] = [await transcribe(nodes[0], ''), await transcribe(nodes[0], '&part=0/1')];

    assert.equal(whole.parts, undefined, 'a job marked as a part runs whole');
    const parts = split.parts;
    assert.equal(parts.length, Math.round(recording.seconds / 12), JSON.stringify(parts));
    assert.deepEqual([...new Set(parts.map(p => p.node))].sort(), NODES, `parts on every node: ${JSON.stringify(parts)}`);
    for (let k = 1; k < parts.length; k++) {
        assert.ok(!insideSpeech(recording, parts[k].start), `cut at ${parts[k].start} s is inside a sentence`);
    }

    const said = recording.said.join(' ');
    const splitErrors = wordErrorRate(said, split.text);
    const wholeErrors = wordErrorRate(said, whole.text);
    assert.ok(splitErrors <= wholeErrors + 0.05 && splitErrors < 0.2, `split WER ${splitErrors} vs whole ${wholeErrors}: ${split.text}`);
    assert.ok(Math.abs(split.duration_s - whole.duration_s) < 0.002, `${split.duration_s} vs ${whole.duration_s}`);
    assert.equal(split.language, whole.language);
    assert.equal(split.provider, 'pocketsphinx');

    let previousEnd = 0;
    split.segments.forEach((segment, k) => {
        assert.equal(segment.id, k);
        assert.ok(Math.abs(segment.start - previousEnd) < 0.002, `segments tile the recording: ${JSON.stringify(split.segments)}`);
        assert.ok(segment.end > segment.start);
        assert.equal(segment.node, parts[k].node);
        const expected = saidBetween(recording, segment.start, segment.end);
        assert.ok(wordErrorRate(expected, segment.text) < 0.25, `segment ${k} [${segment.start}, ${segment.end}) heard '${segment.text}', said '${expected}'`);
        previousEnd = segment.end;
    });
    assert.ok(Math.abs(previousEnd - split.duration_s) < 0.002);
});

test('the OpenAI front door answers a split recording with its timed segments', async () => {
    const form = () => {
        const data = new FormData();
        data.append('file', new Blob([recording.wav], { type: 'audio/wav' }), 'long.wav');
        data.append('model', 'pocketsphinx');
        return data;
    };
    const post = async format => {
        const data = form();
        data.append('response_format', format);
        const response = await fetch(`${nodes[1].url}/v1/audio/transcriptions`, { method: 'POST', body: data, headers: { 'X-Request-Timeout': '120000' } });
        assert.equal(response.status, 200, await response.clone().text());
        return format === 'verbose_json' ? response.json() : response.text();
    };
    // one after the other: each is a split job using every node's one decoder
    const verbose = await post('verbose_json');
    const srt = await post('srt');
    const cues = Math.round(recording.seconds / 12);
    assert.equal(verbose.segments.length, cues, JSON.stringify(verbose.segments));
    assert.ok(Math.abs(verbose.duration - recording.seconds) < 0.01, `${verbose.duration} vs ${recording.seconds}`);
    for (let k = 1; k < verbose.segments.length; k++) {
        assert.equal(verbose.segments[k].start, verbose.segments[k - 1].end);
    }
    assert.equal(verbose.segments.at(-1).end, verbose.duration);
    assert.ok(wordErrorRate(recording.said.join(' '), verbose.text) < 0.2, verbose.text);
    assert.equal(srt.trim().split('\n\n').length, cues, srt);
    assert.match(srt, /^1\n00:00:00,000 --> 00:00:\d\d,\d{3}\n/);
});
