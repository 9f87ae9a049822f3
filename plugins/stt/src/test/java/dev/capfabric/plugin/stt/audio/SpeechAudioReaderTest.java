package dev.capfabric.plugin.stt.audio;

import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Payload;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpeechAudioReaderTest {

    private final SpeechAudioReader reader = new SpeechAudioReader(new Resampler(), 16_000, 5);

    @Test
    void turnsStereo44kInto16kMono16Bit() throws Exception {
        float[] tone = TestWavs.sine(500, 44_100, 2.0, 0.5);
        byte[] wav = TestWavs.write(TestWavs.PCM, 24, 44_100, tone, tone);

        SpeechAudio audio = reader.read(new Payload("audio/wav", wav));

        assertEquals(16_000, audio.sampleRate());
        assertEquals(32_000, audio.samples().length);
        assertEquals(2.0, audio.durationSeconds(), 1e-9);
        assertEquals("24-bit PCM, 44100 Hz, 2 channels", audio.sourceFormat());
        short peak = 0;
        for (short s : audio.samples()) {
            peak = (short) Math.max(peak, s);
        }
        assertEquals(0.5 * 32767, peak, 200);
    }

    @Test
    void writesACanonicalWavThatReadsBackTheSame() throws Exception {
        byte[] wav = TestWavs.write(TestWavs.PCM, 16, 16_000, TestWavs.sine(300, 16_000, 0.5, 0.4));
        SpeechAudio audio = reader.read(new Payload("audio/x-wav", wav));

        SpeechAudio again = reader.read(new Payload("audio/wav", audio.toWav()));

        assertTrue(java.util.Arrays.equals(audio.samples(), again.samples()));
    }

    @Test
    void refusesAudioLongerThanTheLimit() {
        byte[] wav = TestWavs.write(TestWavs.PCM, 16, 8_000, new float[8_000 * 6]);

        CapabilityException e = assertThrows(CapabilityException.class, () -> reader.read(new Payload("audio/wav", wav)));

        assertEquals(CapabilityException.Kind.TOO_LARGE, e.kind());
        assertTrue(e.getMessage().contains("6.0 s"), e.getMessage());
    }

    @Test
    void refusesOtherMediaTypesByName() {
        CapabilityException e = assertThrows(CapabilityException.class,
                () -> reader.read(new Payload("audio/mpeg", new byte[100])));

        assertEquals(CapabilityException.Kind.BAD_INPUT, e.kind());
        assertTrue(e.getMessage().contains("audio/mpeg"), e.getMessage());
    }

    @Test
    void readsWavSentAsOctets() throws Exception {
        byte[] wav = TestWavs.write(TestWavs.PCM, 16, 16_000, new float[1_600]);

        assertEquals(0.1, reader.read(new Payload(Payload.OCTETS, wav)).durationSeconds(), 1e-9);
    }
}
