package dev.capfabric.plugin.tts.audio;

import static java.util.Objects.requireNonNull;

/**
 * Speech as signed 16-bit samples, interleaved by channel, with the rate they were made at. Every
 * provider of this plugin turns whatever its engine produces into this, and answers it as a 16-bit PCM
 * WAV file ({@link WavFiles#write}).
 *
 * <p>The array is handed over, not copied: nobody modifies it after construction.
 *
 * @param sampleRate samples per second per channel, positive
 * @param channels   channel count, positive
 * @param samples    interleaved samples; whole frames only
 */
public record PcmAudio(int sampleRate, int channels, short[] samples) {

    public PcmAudio {
        requireNonNull(samples, "samples is null");
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sampleRate must be positive: " + sampleRate);
        }
        if (channels <= 0) {
            throw new IllegalArgumentException("channels must be positive: " + channels);
        }
        if (samples.length % channels != 0) {
            throw new IllegalArgumentException(samples.length + " samples do not make whole frames of " + channels + " channels");
        }
    }

    /**
     * Pieces of speech played one after the other, as one; the pieces share the first one's rate and
     * channels (one engine made them all).
     *
     * @throws IllegalArgumentException when a piece differs in rate or channels, or there is none
     */
    public static PcmAudio concat(java.util.List<PcmAudio> pieces) {
        if (pieces.isEmpty()) {
            throw new IllegalArgumentException("no pieces");
        }
        if (pieces.size() == 1) {
            return pieces.getFirst();
        }
        PcmAudio first = pieces.getFirst();
        int length = 0;
        for (PcmAudio piece : pieces) {
            if (piece.sampleRate != first.sampleRate || piece.channels != first.channels) {
                throw new IllegalArgumentException("pieces differ: " + piece + " after " + first);
            }
            length = Math.addExact(length, piece.samples.length);
        }
        short[] samples = new short[length];
        int at = 0;
        for (PcmAudio piece : pieces) {
            System.arraycopy(piece.samples, 0, samples, at, piece.samples.length);
            at += piece.samples.length;
        }
        return new PcmAudio(first.sampleRate, first.channels, samples);
    }

    /** The number of sample frames (one sample per channel). */
    public int frames() {
        return samples.length / channels;
    }

    /** How long the audio plays, in seconds. */
    public double durationSeconds() {
        return (double) frames() / sampleRate;
    }

    /**
     * The root-mean-square level over all samples, relative to full scale: 0 for digital silence, about
     * 0.05 to 0.3 for ordinary speech.
     */
    public double rms() {
        if (samples.length == 0) {
            return 0;
        }
        double sum = 0;
        for (short sample : samples) {
            double normalised = sample / 32768.0;
            sum += normalised * normalised;
        }
        return Math.sqrt(sum / samples.length);
    }

    @Override
    public String toString() {
        return "PcmAudio[" + sampleRate + " Hz, " + channels + " ch, " + frames() + " frames]";
    }
}
