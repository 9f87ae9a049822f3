// A fleet of capfabric nodes from the built tarball over a nats-server on loopback, and long speech
// recordings with known timings, for the split tests and benchmarks (stt-split.test.mjs,
// ../../bench/stt-split-bench.mjs). Processes are started and stopped through ../testlib.mjs.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, started, stopAll, until } from '../testlib.mjs';

const RATE = 16_000;
/** Below this a sample is taken for the quiet flite leaves around a sentence. */
const VOICE_THRESHOLD = 200;

export class Fleet {
    constructor(tarball) {
        this.work = mkdtempSync(join(tmpdir(), 'capfabric-split-'));
        execFileSync('tar', ['-xzf', tarball, '-C', this.work]);
        this.home = join(this.work, readdirSync(this.work).find(n => n.startsWith('capfabric-')));
    }

    /** A nats-server with JetStream: parts and answers above its max payload travel through its object store. */
    async startNats() {
        const port = await freePort();
        const nats = started(spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(this.work, 'js')],
            { stdio: ['ignore', 'pipe', 'pipe'] }), 'nats-server');
        nats.url = `nats://127.0.0.1:${port}`;
        await until('nats-server', async () => nats.logs.includes('Server is ready'), 20_000);
        this.nats = nats;
        return nats;
    }

    /** Starts node `id` with `env` added to the environment; resolves once it serves HTTP. */
    async startNode(id, env = {}) {
        const child = started(spawn(join(this.home, 'bin/capfabric'), [], {
            env: {
                PATH: process.env.PATH, HOME: this.work, LANG: 'C.UTF-8',
                CAPFABRIC_PORT: '0', CAPFABRIC_HOST: '127.0.0.1', CAPFABRIC_NODE_ID: id,
                CAPFABRIC_NATS_URL: this.nats.url, CAPFABRIC_WORK__DIR: join(this.work, id + '-work'),
                ...env,
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

    /** Waits until `node` sees every one of `ids` serving `model` (through the fabric's registry). */
    async awaitModelOn(node, model, ids) {
        await until(`${node.name} to see ${model} on ${ids}`, async () => {
            const response = await fetch(`${node.url}/v1/models/${model}`);
            if (!response.ok) return false;
            const nodes = (await response.json()).nodes ?? [];
            return ids.every(id => nodes.includes(id));
        });
    }

    /** Stops every process started so far (nodes, then nats-server); prints their last output when the run failed. */
    async stopAll() {
        await stopAll();
    }

    remove() {
        rmSync(this.work, { recursive: true, force: true });
    }
}

/** Everyday sentences (those of bench/.../SttAccuracy), spoken in turn by flite's slt voice. */
export const SENTENCES = [
    'the quick brown fox jumped over the lazy dog', 'please call me when you get home tonight',
    'the weather is nice and sunny today', 'we need to buy milk bread and eggs',
    'she opened the window to let in some fresh air', 'my favorite color is blue',
    'the train leaves the station at noon', 'he plays the guitar every evening', 'can you help me find my keys',
    'the children are playing in the park', 'turn off the lights before you leave',
    'i would like a cup of coffee please', 'the meeting has been moved to next week',
    'they walked along the beach at sunset', 'this book is about the history of science',
    'the doctor said i should get more sleep', 'open the door and close the window',
    'our team won the game last night', 'the cat is sleeping on the sofa', 'please send me the report by friday',
    'the restaurant serves good food', 'it is going to rain this afternoon', 'we are flying to london in the summer',
    'the computer needs a new battery', 'water boils at one hundred degrees',
];

/**
 * A recording of at least `seconds` of speech: flite (voice slt, 16 kHz mono) speaks the sentences in
 * turn, each followed by a pause of `pauses[i % pauses.length]` seconds of silence. Returns the WAV
 * file, what was said, and where each sentence's voice starts and ends, in seconds.
 */
export function spokenRecording(seconds, pauses = [0.8]) {
    const clips = new Map();
    const parts = [];
    const said = [];
    const voiced = [];
    let length = 0;
    for (let i = 0; length < seconds * RATE; i++) {
        const sentence = SENTENCES[i % SENTENCES.length];
        if (!clips.has(sentence)) clips.set(sentence, flite(sentence));
        const clip = clips.get(sentence);
        let first = 0;
        while (first < clip.length && Math.abs(clip[first]) < VOICE_THRESHOLD) first++;
        let last = clip.length - 1;
        while (last > first && Math.abs(clip[last]) < VOICE_THRESHOLD) last--;
        voiced.push([(length + first) / RATE, (length + last + 1) / RATE]);
        said.push(sentence);
        const pause = new Int16Array(Math.round(pauses[i % pauses.length] * RATE));
        parts.push(clip, pause);
        length += clip.length + pause.length;
    }
    const samples = new Int16Array(length);
    let at = 0;
    for (const part of parts) {
        samples.set(part, at);
        at += part.length;
    }
    return { wav: wav(samples), said, voiced, seconds: length / RATE };
}

/** The words of every sentence whose voice lies mostly inside [from, to). */
export function saidBetween(recording, from, to) {
    return recording.said.filter((_, i) => {
        const middle = (recording.voiced[i][0] + recording.voiced[i][1]) / 2;
        return middle >= from && middle < to;
    }).join(' ');
}

/** Whether `seconds` lies inside a sentence's voice. */
export function insideSpeech(recording, seconds) {
    return recording.voiced.some(([from, to]) => seconds > from && seconds < to);
}

/** Word error rate of `heard` against `said`: word edit distance over the number of words said. */
export function wordErrorRate(said, heard) {
    const ref = said.trim().split(/\s+/).filter(Boolean);
    const hyp = heard.toLowerCase().trim().split(/\s+/).filter(Boolean);
    let previous = Array.from({ length: hyp.length + 1 }, (_, j) => j);
    for (let i = 1; i <= ref.length; i++) {
        const current = [i];
        for (let j = 1; j <= hyp.length; j++) {
            current[j] = Math.min(previous[j - 1] + (ref[i - 1] === hyp[j - 1] ? 0 : 1), previous[j] + 1, current[j - 1] + 1);
        }
        previous = current;
    }
    return ref.length === 0 ? hyp.length : previous[hyp.length] / ref.length;
}

function flite(sentence) {
    const file = join(tmpdir(), `capfabric-flite-${process.pid}-${Math.random().toString(36).slice(2)}.wav`);
    try {
        execFileSync('flite', ['-voice', 'slt', '-t', sentence, '-o', file]);
        const bytes = readFileSync(file);
        let chunk = 12;
        while (chunk + 8 <= bytes.length) {
            const id = bytes.toString('latin1', chunk, chunk + 4);
            const size = bytes.readUInt32LE(chunk + 4);
            if (id === 'fmt ' && (bytes.readUInt32LE(chunk + 12) !== RATE || bytes.readUInt16LE(chunk + 10) !== 1)) {
                throw new Error(`flite did not speak 16 kHz mono: ${file}`);
            }
            if (id === 'data') {
                const data = bytes.subarray(chunk + 8, chunk + 8 + Math.min(size, bytes.length - chunk - 8));
                return new Int16Array(data.buffer.slice(data.byteOffset, data.byteOffset + (data.length & ~1)));
            }
            chunk += 8 + size + (size & 1);
        }
        throw new Error('flite wrote no data chunk');
    } finally {
        rmSync(file, { force: true });
    }
}

function wav(samples) {
    const header = Buffer.alloc(44);
    const bytes = samples.length * 2;
    header.write('RIFF', 0); header.writeUInt32LE(36 + bytes, 4); header.write('WAVE', 8);
    header.write('fmt ', 12); header.writeUInt32LE(16, 16); header.writeUInt16LE(1, 20); header.writeUInt16LE(1, 22);
    header.writeUInt32LE(RATE, 24); header.writeUInt32LE(RATE * 2, 28); header.writeUInt16LE(2, 32); header.writeUInt16LE(16, 34);
    header.write('data', 36); header.writeUInt32LE(bytes, 40);
    return Buffer.concat([header, Buffer.from(samples.buffer, samples.byteOffset, bytes)]);
}
