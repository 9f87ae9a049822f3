package dev.capfabric.plugin.stt.audio;

import dev.capfabric.spi.CapabilityException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WavFileTest {

    @ParameterizedTest(name = "format {0}, {1} bits")
    @CsvSource({"1, 8, 0.01", "1, 16, 0.0001", "1, 24, 0.000001", "1, 32, 0.000001", "3, 32, 0.000001", "3, 64, 0.000001"})
    void decodesEveryCommonSampleEncodingToTheSameSignal(int formatTag, int bits, double tolerance) throws Exception {
        float[] left = TestWavs.sine(440, 22_050, 0.1, 0.5);
        float[] right = TestWavs.sine(1000, 22_050, 0.1, -0.25);

        WavFile wav = WavFile.parse(TestWavs.write(formatTag, bits, 22_050, left, right));
        PcmAudio audio = wav.decode();

        assertEquals(22_050, audio.sampleRate());
        assertEquals(2, audio.channels().length);
        assertEquals(left.length, wav.frames());
        for (int i = 0; i < left.length; i++) {
            assertEquals(left[i], audio.channels()[0][i], tolerance, "left sample " + i);
            assertEquals(right[i], audio.channels()[1][i], tolerance, "right sample " + i);
        }
    }

    @Test
    void downmixAveragesTheChannels() throws Exception {
        float[] left = {0.5f, -0.5f, 0.25f};
        float[] right = {0.25f, 0.5f, -0.25f};

        float[] mono = WavFile.parse(TestWavs.write(TestWavs.FLOAT, 32, 16_000, left, right)).decode().mono();

        assertTrue(Arrays.equals(new float[]{0.375f, 0f, 0f}, mono), Arrays.toString(mono));
    }

    @Test
    void readsMuLawAndALaw() throws Exception {
        // 0xFF is µ-law zero, 0x80 is µ-law's largest positive value; 0xD5 is A-law's smallest positive value
        byte[] mulaw = withFormat(7, 8, new byte[]{(byte) 0xFF, (byte) 0x80});
        byte[] alaw = withFormat(6, 8, new byte[]{(byte) 0xD5});

        float[] mu = WavFile.parse(mulaw).decode().mono();
        float[] a = WavFile.parse(alaw).decode().mono();

        assertEquals(0f, mu[0]);
        assertEquals(32124 / 32768f, mu[1], 1e-6);
        assertEquals(8 / 32768f, a[0], 1e-6);
    }

    @Test
    void takesTheDataThatIsThereWhenAStreamingWriterLeftTheSizeOpen() throws Exception {
        byte[] wav = TestWavs.write(TestWavs.PCM, 16, 8_000, TestWavs.sine(300, 8_000, 0.5, 0.3));
        ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN).putInt(40, 0x7fff_ffff);

        assertEquals(4_000, WavFile.parse(wav).frames());
    }

    @Test
    void refusesWhatIsNotAWavFileAndSaysWhatItLooksLike() {
        assertBadInput(new byte[0], "empty");
        assertBadInput("ID3\u0004\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000".getBytes(StandardCharsets.ISO_8859_1), "MP3");
        assertBadInput("OggS\u0000\u0002\u0000\u0000\u0000\u0000\u0000\u0000".getBytes(StandardCharsets.ISO_8859_1), "Ogg");
        assertBadInput("{\"text\": \"hello world\"}".getBytes(StandardCharsets.UTF_8), "JSON");
        assertBadInput("RIFF\u0000\u0000\u0000\u0000AVI LIST".getBytes(StandardCharsets.ISO_8859_1), "AVI");
    }

    @Test
    void refusesCompressedWavEncodingsByName() {
        byte[] adpcm = withFormat(2, 4, new byte[16]);

        assertBadInput(adpcm, "MS ADPCM");
    }

    @Test
    void refusesBrokenHeaders() {
        byte[] noData = Arrays.copyOf(TestWavs.write(TestWavs.PCM, 16, 16_000, new float[10]), 36);
        byte[] empty = TestWavs.write(TestWavs.PCM, 16, 16_000, new float[0]);
        byte[] silly = TestWavs.write(TestWavs.PCM, 16, 16_000, new float[10]);
        ByteBuffer.wrap(silly).order(ByteOrder.LITTLE_ENDIAN).putInt(24, 100);

        assertBadInput(noData, "no 'data' chunk");
        assertBadInput(empty, "no audio samples");
        assertBadInput(silly, "sample rate 100 Hz");
    }

    private static void assertBadInput(byte[] bytes, String expected) {
        CapabilityException e = assertThrows(CapabilityException.class, () -> WavFile.parse(bytes));
        assertEquals(CapabilityException.Kind.BAD_INPUT, e.kind());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    /** A mono WAV whose 'fmt ' says {@code formatTag}/{@code bits} and whose data is {@code data}. */
    private static byte[] withFormat(int formatTag, int bits, byte[] data) {
        ByteBuffer out = ByteBuffer.allocate(44 + data.length).order(ByteOrder.LITTLE_ENDIAN);
        int blockAlign = Math.max(1, bits / 8);
        out.put("RIFF".getBytes()).putInt(36 + data.length).put("WAVE".getBytes());
        out.put("fmt ".getBytes()).putInt(16).putShort((short) formatTag).putShort((short) 1)
                .putInt(8_000).putInt(8_000 * blockAlign).putShort((short) blockAlign).putShort((short) bits);
        out.put("data".getBytes()).putInt(data.length).put(data);
        return out.array();
    }
}
