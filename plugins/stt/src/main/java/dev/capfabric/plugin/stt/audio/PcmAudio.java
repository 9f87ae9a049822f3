package dev.capfabric.plugin.stt.audio;

import static java.util.Objects.requireNonNull;

/**
 * Decoded audio: samples in [-1, 1], one array per channel, all of the same length.
 *
 * @param channels   the samples of each channel
 * @param sampleRate frames per second
 */
public record PcmAudio(float[][] channels, int sampleRate) {

    public PcmAudio {
        requireNonNull(channels, "channels is null");
        if (channels.length == 0) {
            throw new IllegalArgumentException("no channels");
        }
    }

    /** The average of all channels: the downmix a speech recogniser wants. */
    public float[] mono() {
        if (channels.length == 1) {
            return channels[0];
        }
        int frames = channels[0].length;
        float[] mono = new float[frames];
        for (float[] channel : channels) {
            for (int i = 0; i < frames; i++) {
                mono[i] += channel[i];
            }
        }
        float scale = 1f / channels.length;
        for (int i = 0; i < frames; i++) {
            mono[i] *= scale;
        }
        return mono;
    }
}
