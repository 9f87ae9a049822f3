package dev.capfabric.plugin.tts.freetts;

import com.sun.speech.freetts.audio.AudioPlayer;
import dev.capfabric.plugin.tts.audio.PcmAudio;
import dev.capfabric.plugin.tts.audio.SampleEncoding;

import javax.sound.sampled.AudioFormat;
import java.io.ByteArrayOutputStream;
import java.util.function.BooleanSupplier;

/**
 * Where FreeTTS "plays" to: collects the samples of one job in memory instead of opening a sound
 * device. Used by one job at a time (its {@link FreeTtsVoiceSet} is never shared), so it needs no locks.
 *
 * <p>Returning {@code false} from a write is FreeTTS's way to stop output: that is done when the job is
 * abandoned or its audio outgrows the bound.
 */
final class CapturingAudioPlayer implements AudioPlayer {

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private AudioFormat format = new AudioFormat(16_000f, 16, 1, true, true);
    private BooleanSupplier stop = () -> true;
    private long maxBytes;
    private boolean overflowed;
    private float volume = 1.0f;

    /** Starts capturing a new job's audio. */
    void start(BooleanSupplier abandoned, long maxBytes) {
        captured.reset();
        this.stop = abandoned;
        this.maxBytes = maxBytes;
        this.overflowed = false;
    }

    /** True when the job's audio was cut because it grew beyond the bound given to {@link #start}. */
    boolean overflowed() {
        return overflowed;
    }

    /** The job's audio so far, as 16-bit samples; stops capturing. */
    PcmAudio finish() {
        stop = () -> true;
        if (format.getSampleSizeInBits() != 16 || !AudioFormat.Encoding.PCM_SIGNED.equals(format.getEncoding())) {
            throw new IllegalStateException("FreeTTS produced an unexpected audio format: " + format);
        }
        byte[] bytes = captured.toByteArray();
        captured.reset();
        SampleEncoding encoding = format.isBigEndian() ? SampleEncoding.PCM_S16_BE : SampleEncoding.PCM_S16_LE;
        int channels = Math.max(1, format.getChannels());
        int whole = bytes.length - bytes.length % (2 * channels);
        return new PcmAudio(Math.round(format.getSampleRate()), channels, encoding.decode(bytes, 0, whole));
    }

    @Override
    public void setAudioFormat(AudioFormat format) {
        this.format = format;
    }

    @Override
    public AudioFormat getAudioFormat() {
        return format;
    }

    @Override
    public boolean write(byte[] audioData) {
        return write(audioData, 0, audioData.length);
    }

    @Override
    public boolean write(byte[] bytes, int offset, int size) {
        if (stop.getAsBoolean()) {
            return false;
        }
        if (captured.size() + (long) size > maxBytes) {
            overflowed = true;
            return false;
        }
        captured.write(bytes, offset, size);
        return true;
    }

    @Override
    public void begin(int size) {
        // the size is only a hint for sound devices
    }

    @Override
    public boolean end() {
        return !stop.getAsBoolean();
    }

    @Override
    public boolean drain() {
        return true;
    }

    @Override
    public void pause() {
    }

    @Override
    public void resume() {
    }

    @Override
    public void reset() {
    }

    @Override
    public void cancel() {
    }

    @Override
    public void close() {
    }

    @Override
    public float getVolume() {
        return volume;
    }

    @Override
    public void setVolume(float volume) {
        this.volume = volume;
    }

    @Override
    public long getTime() {
        return 0;
    }

    @Override
    public void resetTime() {
    }

    @Override
    public void startFirstSampleTimer() {
    }

    @Override
    public void showMetrics() {
    }
}
