package dev.capfabric.plugin.stt.audio;

import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Payload;

import java.util.Locale;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * Turns a job's input into {@link SpeechAudio} for one engine: checks the media type, parses the WAV
 * file, refuses audio longer than the limit, downmixes to mono and resamples to the engine's rate.
 * Thread-safe.
 */
public final class SpeechAudioReader {

    /** Media types this reader takes; anything else is refused with the type it got. */
    public static final Set<String> ACCEPTED_TYPES = Set.of(
            "audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave", "audio/x-pn-wav");

    private final Resampler resampler;
    private final int targetRate;
    private final double maxSeconds;

    /**
     * @param resampler  the resampler to use
     * @param targetRate the sample rate the engine wants
     * @param maxSeconds the longest audio accepted
     */
    public SpeechAudioReader(Resampler resampler, int targetRate, double maxSeconds) {
        this.resampler = requireNonNull(resampler, "resampler is null");
        if (targetRate <= 0 || maxSeconds <= 0) {
            throw new IllegalArgumentException("targetRate and maxSeconds must be positive");
        }
        this.targetRate = targetRate;
        this.maxSeconds = maxSeconds;
    }

    public double maxSeconds() {
        return maxSeconds;
    }

    /**
     * @throws CapabilityException {@code BAD_INPUT} when the input is not a WAV file this reader can
     *                             decode, {@code TOO_LARGE} when it is longer than the limit
     */
    public SpeechAudio read(Payload input) throws CapabilityException {
        requireNonNull(input, "input is null");
        String type = input.baseType();
        // a client that names no type (or a generic one) still gets its WAV bytes read
        if (!type.isEmpty() && !type.equals(Payload.OCTETS) && !ACCEPTED_TYPES.contains(type)) {
            throw CapabilityException.badInput("unsupported media type '" + type + "': send audio/wav");
        }
        WavFile wav = WavFile.parse(input.bytes());
        if (wav.durationSeconds() > maxSeconds) {
            throw CapabilityException.tooLarge(String.format(Locale.ROOT,
                    "audio is %.1f s long; this provider takes at most %.0f s", wav.durationSeconds(), maxSeconds));
        }
        float[] mono = resampler.resample(wav.decode().mono(), wav.sampleRate(), targetRate);
        return new SpeechAudio(toShorts(mono), targetRate, wav.durationSeconds(), wav.describe());
    }

    private static short[] toShorts(float[] samples) {
        short[] out = new short[samples.length];
        for (int i = 0; i < samples.length; i++) {
            float clamped = Math.max(-1f, Math.min(1f, samples[i]));
            out[i] = (short) Math.round(clamped * 32767f);
        }
        return out;
    }
}
