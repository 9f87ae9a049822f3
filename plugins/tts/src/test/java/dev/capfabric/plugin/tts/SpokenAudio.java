package dev.capfabric.plugin.tts;

import dev.capfabric.spi.Result;

import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tts result's WAV, read back with Java Sound (a parser independent of the plugin's own), so tests
 * check what a client would get: a valid 16-bit PCM file whose header rate is real, that plays for a
 * while and is not silence.
 *
 * @param sampleRate from the header
 * @param channels   from the header
 * @param seconds    how long it plays
 * @param rms        root-mean-square level relative to full scale
 */
public record SpokenAudio(float sampleRate, int channels, double seconds, double rms) {

    /** Reads and checks the header of a result that must be {@code audio/wav}. */
    public static SpokenAudio of(Result result) {
        assertEquals("audio/wav", result.output().orElseThrow().mediaType());
        return of(result.output().orElseThrow().bytes());
    }

    public static SpokenAudio of(byte[] wav) {
        try (AudioInputStream in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(wav))) {
            AudioFormat format = in.getFormat();
            assertEquals(AudioFormat.Encoding.PCM_SIGNED, format.getEncoding(), "encoding");
            assertEquals(16, format.getSampleSizeInBits(), "bits per sample");
            assertTrue(!format.isBigEndian(), "WAV is little-endian");
            byte[] pcm = in.readAllBytes();
            assertEquals(in.getFrameLength() * format.getFrameSize(), pcm.length, "data size in the header matches the data");
            ByteBuffer samples = ByteBuffer.wrap(pcm).order(ByteOrder.LITTLE_ENDIAN);
            double sum = 0;
            int count = pcm.length / 2;
            for (int i = 0; i < count; i++) {
                double s = samples.getShort(i * 2) / 32768.0;
                sum += s * s;
            }
            double seconds = (double) in.getFrameLength() / format.getSampleRate();
            return new SpokenAudio(format.getSampleRate(), format.getChannels(), seconds, count == 0 ? 0 : Math.sqrt(sum / count));
        } catch (IOException | UnsupportedAudioFileException e) {
            throw new AssertionError("not a readable WAV file: " + e, e);
        }
    }

    /** Asserts that this is speech of a sentence: between {@code minSeconds} and 30 s, clearly above silence. */
    public SpokenAudio assertSpeech(double minSeconds) {
        assertTrue(seconds >= minSeconds && seconds < 30, "duration " + seconds + " s, expected at least " + minSeconds);
        assertTrue(rms > 0.01, "RMS " + rms + " is near silence");
        return this;
    }
}
