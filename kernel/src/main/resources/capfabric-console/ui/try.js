// Try it: each job goes through this node (which routes it over the fabric) and says who served it.
import { api, errorText } from './api.js';

let lastSpeech = null;

function served(form, response, started) {
    const ms = Math.round(performance.now() - started);
    const line = form.querySelector('.served');
    const node = response.headers.get('X-Capfabric-Node') ?? '?';
    const provider = response.headers.get('X-Capfabric-Provider') ?? '?';
    line.classList.remove('bad');
    line.textContent = `Served by node ${node}, provider ${provider}, in ${ms} ms`;
    line.dataset.node = node;
    line.dataset.provider = provider;
}

async function failed(form, response) {
    const line = form.querySelector('.served');
    line.classList.add('bad');
    line.textContent = response instanceof Response ? await errorText(response) : `Failed: ${response.message}`;
}

function busy(form, on) {
    form.querySelector('button[type=submit]').disabled = on;
    form.setAttribute('aria-busy', String(on));
}

function job(formId, run) {
    const form = document.getElementById(formId);
    form.addEventListener('submit', async e => {
        e.preventDefault();
        busy(form, true);
        const line = form.querySelector('.served');
        line.classList.remove('bad');
        line.textContent = 'Working…';
        const started = performance.now();
        try {
            const response = await run();
            if (!response.ok) await failed(form, response);
            else {
                await response.clone().arrayBuffer(); // the time includes the whole answer
                served(form, response, started);
                await show(formId, response);
            }
        } catch (error) {
            await failed(form, error);
        } finally {
            busy(form, false);
        }
    });
}

const shows = {};

async function show(formId, response) {
    await shows[formId](response);
}

export function setupTry(snapshot) {
    const voices = document.getElementById('voices');
    document.querySelector('nav a[data-section=try]').addEventListener('click', () => {
        const all = new Set();
        for (const n of snapshot()?.nodes || []) (n.capabilities?.tts?.voices || []).forEach(v => all.add(v));
        voices.innerHTML = [...all].sort().map(v => `<option value="${v.replace(/"/g, '')}">`).join('');
    });

    job('try-tts', () => api('/v1/audio/speech', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ model: 'tts-1', input: document.getElementById('tts-text').value,
            voice: document.getElementById('tts-voice').value.trim() || 'alloy', response_format: 'wav' }),
    }));
    shows['try-tts'] = async response => {
        lastSpeech = new Blob([await response.arrayBuffer()], { type: 'audio/wav' });
        const audio = document.getElementById('tts-audio');
        if (audio.src) URL.revokeObjectURL(audio.src);
        audio.src = URL.createObjectURL(lastSpeech);
        audio.play().catch(() => {}); // autoplay may be refused: the controls remain
        document.getElementById('stt-last').disabled = false;
    };

    let recorded = null;
    let useSpeech = false;
    const file = document.getElementById('stt-file');
    const last = document.getElementById('stt-last');
    last.addEventListener('click', () => {
        useSpeech = true;
        recorded = null;
        last.textContent = 'Using the speech above';
    });
    file.addEventListener('change', () => { useSpeech = false; recorded = null; last.textContent = 'Use the speech above'; });
    const record = document.getElementById('stt-record');
    let recorder = null;
    record.addEventListener('click', async () => {
        if (recorder) { recorder.stop(); return; }
        try {
            const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
            const chunks = [];
            recorder = new MediaRecorder(stream);
            recorder.ondataavailable = e => chunks.push(e.data);
            recorder.onstop = () => {
                stream.getTracks().forEach(t => t.stop());
                recorded = new Blob(chunks, { type: recorder.mimeType || 'audio/webm' });
                recorder = null;
                useSpeech = false;
                record.textContent = 'Record again';
            };
            recorder.start();
            record.textContent = 'Stop recording';
        } catch (e) {
            await failed(document.getElementById('try-stt'), new Error('no microphone: ' + e.message));
        }
    });
    job('try-stt', () => {
        const audio = recorded ?? (useSpeech ? lastSpeech : file.files[0]);
        if (!audio) throw new Error('choose a file, record, or speak something first');
        const name = recorded ? 'recording.' + (recorded.type.includes('ogg') ? 'ogg' : 'webm') : useSpeech ? 'speech.wav' : audio.name;
        const form = new FormData();
        form.append('file', audio, name);
        form.append('model', 'whisper-1');
        return api('/v1/audio/transcriptions', { method: 'POST', body: form });
    });
    shows['try-stt'] = async response => {
        document.getElementById('stt-text').textContent = (await response.json()).text;
    };

    job('try-ocr', () => {
        const image = document.getElementById('ocr-file').files[0];
        if (!image) throw new Error('choose an image first');
        return api('/v1/capability/ocr', { method: 'POST', headers: { 'Content-Type': image.type || 'application/octet-stream' }, body: image });
    });
    shows['try-ocr'] = async response => {
        const answer = await response.json();
        document.getElementById('ocr-text').textContent = answer.text ?? JSON.stringify(answer);
    };

    job('try-image', () => api('/v1/images/generations', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ prompt: document.getElementById('image-prompt').value, size: '256x256', response_format: 'b64_json' }),
    }));
    shows['try-image'] = async response => {
        const answer = await response.json();
        const img = document.getElementById('image-out');
        img.src = 'data:image/png;base64,' + answer.data[0].b64_json;
        img.alt = 'Image drawn for: ' + document.getElementById('image-prompt').value;
        img.hidden = false;
    };
}
