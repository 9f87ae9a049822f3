package dev.capfabric.plugin.tts.audio;

import dev.capfabric.plugin.tts.SpokenAudio;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WavFilesTest {

    @Test
    void writtenFileIsSixteenBitPcmThatJavaSoundReadsBack() {
        short[] tone = sine(22_050, 440, 0.5, 0.25);
        byte[] wav = WavFiles.write(new PcmAudio(22_050, 1, tone));

        SpokenAudio read = SpokenAudio.of(wav);
        assertEquals(22_050f, read.sampleRate());
        assertEquals(1, read.channels());
        assertEquals(0.5, read.seconds(), 1e-9);
        assertEquals(0.25 / Math.sqrt(2), read.rms(), 0.002);
    }

    @Test
    void readsBackWhatItWrote() throws Exception {
        short[] samples = {0, 1, -1, Short.MAX_VALUE, Short.MIN_VALUE, 1234, -4321, 7};
        PcmAudio stereo = new PcmAudio(48_000, 2, samples);

        PcmAudio read = WavFiles.read(WavFiles.write(stereo));
        assertEquals(48_000, read.sampleRate());
        assertEquals(2, read.channels());
        assertArrayEquals(samples, read.samples());
    }

    @Test
    void streamedHeaderWithOversizedDataChunkReadsToTheEndOfTheFile() throws Exception {
        // what espeak-ng writes to a pipe: sizes it cannot go back and fix
        ByteBuffer wav = header(1, 22_050, 16, 0x7ffff000, 6).order(ByteOrder.LITTLE_ENDIAN);
        wav.putShort((short) 100).putShort((short) -100).putShort((short) 50);

        PcmAudio read = WavFiles.read(wav.array());
        assertArrayEquals(new short[] {100, -100, 50}, read.samples());
        assertEquals(22_050, read.sampleRate());
    }

    @Test
    void streamedHeaderWithZeroDataSizeReadsToTheEndOfTheFile() throws Exception {
        ByteBuffer wav = header(1, 24_000, 16, 0, 4).order(ByteOrder.LITTLE_ENDIAN);
        wav.putShort((short) 7).putShort((short) -7);

        assertArrayEquals(new short[] {7, -7}, WavFiles.read(wav.array()).samples());
    }

    @Test
    void convertsEightBitTwentyFourBitAndFloatToSixteenBit() throws Exception {
        ByteBuffer u8 = header(1, 8_000, 8, 3, 3);
        u8.put((byte) 128).put((byte) 255).put((byte) 0);
        assertArrayEquals(new short[] {0, 127 << 8, -128 << 8}, WavFiles.read(u8.array()).samples());

        ByteBuffer s24 = header(1, 8_000, 24, 6, 6);
        s24.put(new byte[] {0x00, 0x34, 0x12}).put(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
        assertArrayEquals(new short[] {0x1234, -1}, WavFiles.read(s24.array()).samples());

        ByteBuffer f32 = header(3, 24_000, 32, 12, 12);
        f32.putFloat(0.5f).putFloat(-1.0f).putFloat(3.0f);
        assertArrayEquals(new short[] {16384, -32767, 32767}, WavFiles.read(f32.array()).samples());
    }

    @Test
    void skipsChunksItDoesNotKnow() throws Exception {
        ByteBuffer wav = ByteBuffer.allocate(12 + 8 + 3 + 1 + 24 + 8 + 2).order(ByteOrder.LITTLE_ENDIAN);
        wav.put(ascii("RIFF")).putInt(wav.capacity() - 8).put(ascii("WAVE"));
        wav.put(ascii("LIST")).putInt(3).put(new byte[] {1, 2, 3}).put((byte) 0); // odd size, padded
        fmt(wav, 1, 16_000, 16);
        wav.put(ascii("data")).putInt(2).putShort((short) 42);

        assertArrayEquals(new short[] {42}, WavFiles.read(wav.array()).samples());
    }

    @Test
    void refusesWhatIsNotAReadableWav() {
        assertTrue(assertThrows(InvalidWavException.class, () -> WavFiles.read("ID3 not a wav".getBytes(StandardCharsets.US_ASCII)))
                .getMessage().contains("RIFF"));
        assertTrue(assertThrows(InvalidWavException.class, () -> WavFiles.read(header(85, 16_000, 16, 0, 0).array()))
                .getMessage().contains("format tag 85"));
        ByteBuffer noData = ByteBuffer.allocate(36).order(ByteOrder.LITTLE_ENDIAN);
        noData.put(ascii("RIFF")).putInt(28).put(ascii("WAVE"));
        fmt(noData, 1, 16_000, 16);
        assertTrue(assertThrows(InvalidWavException.class, () -> WavFiles.read(noData.array())).getMessage().contains("no data"));
    }

    @Test
    void measuresDurationAndLevel() {
        PcmAudio silence = new PcmAudio(16_000, 1, new short[16_000]);
        assertEquals(1.0, silence.durationSeconds());
        assertEquals(0.0, silence.rms());
        assertEquals(0.5, new PcmAudio(8_000, 1, sine(8_000, 200, 0.5, 0.5)).durationSeconds());
    }

    static short[] sine(int rate, double hz, double seconds, double amplitude) {
        short[] samples = new short[(int) (rate * seconds)];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (short) Math.round(amplitude * Short.MAX_VALUE * Math.sin(2 * Math.PI * hz * i / rate));
        }
        return samples;
    }

    private static ByteBuffer header(int tag, int rate, int bits, int declaredData, int actualData) {
        ByteBuffer wav = ByteBuffer.allocate(44 + actualData).order(ByteOrder.LITTLE_ENDIAN);
        wav.put(ascii("RIFF")).putInt(36 + declaredData).put(ascii("WAVE"));
        fmt(wav, tag, rate, bits);
        wav.put(ascii("data")).putInt(declaredData);
        return wav;
    }

    private static void fmt(ByteBuffer wav, int tag, int rate, int bits) {
        int block = bits / 8;
        wav.put(ascii("fmt ")).putInt(16).putShort((short) tag).putShort((short) 1).putInt(rate)
                .putInt(rate * block).putShort((short) block).putShort((short) bits);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
