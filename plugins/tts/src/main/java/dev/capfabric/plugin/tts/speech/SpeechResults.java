package dev.capfabric.plugin.tts.speech;

import dev.capfabric.plugin.tts.audio.PcmAudio;
import dev.capfabric.plugin.tts.audio.WavFiles;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.Result;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The results tts providers answer with: the audio, and metadata saying who spoke it, with which voice,
 * and how long it plays. The kernel passes the scalar metadata in response headers.
 */
public final class SpeechResults {

    private SpeechResults() {
    }

    /**
     * Speech as a 16-bit PCM WAV file. Metadata: {@code provider}, {@code voice}, {@code format},
     * {@code sample_rate}, {@code channels}, {@code duration_s}, then {@code extra} in its order.
     */
    public static Result wav(PcmAudio audio, String provider, String voice, Map<String, Object> extra) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("provider", provider);
        metadata.put("voice", voice);
        metadata.put("format", OutputFormat.WAV.wireName());
        metadata.put("sample_rate", audio.sampleRate());
        metadata.put("channels", audio.channels());
        metadata.put("duration_s", Math.round(audio.durationSeconds() * 1000) / 1000.0);
        metadata.putAll(extra);
        return Result.of(new Payload(OutputFormat.WAV.mediaType(), WavFiles.write(audio)), metadata);
    }

    /**
     * Speech in a compressed format a backend encoded, passed through unchanged. Metadata:
     * {@code provider}, {@code voice}, {@code format}, then {@code extra} in its order.
     */
    public static Result encoded(byte[] bytes, OutputFormat format, String provider, String voice, Map<String, Object> extra) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("provider", provider);
        metadata.put("voice", voice);
        metadata.put("format", format.wireName());
        metadata.putAll(extra);
        return Result.of(new Payload(format.mediaType(), bytes), metadata);
    }
}
