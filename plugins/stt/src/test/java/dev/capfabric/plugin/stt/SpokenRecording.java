package dev.capfabric.plugin.stt;

import dev.capfabric.plugin.stt.audio.SpeechAudio;
import dev.capfabric.plugin.stt.audio.WavFile;
import dev.capfabric.spi.CapabilityException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A long recording of real speech with known timings: sentences spoken by flite's slt voice (16 kHz,
 * mono), one after another with a pause of digital silence between them.
 *
 * @param wav       the recording as a 16-bit PCM WAV file
 * @param sentences what is said, in order
 * @param voiced    for each sentence, where its voice starts and ends in the recording, in seconds
 */
public record SpokenRecording(byte[] wav, List<String> sentences, List<double[]> voiced) {

    /** Below this a sample is taken for the quiet flite leaves before and after a sentence. */
    private static final int VOICE_THRESHOLD = 200;
    private static final int RATE = 16_000;

    /** Everyday sentences that pocketsphinx recognises well from flite's slt voice. */
    public static final List<String> SENTENCES = List.of(
            SpeechSamples.CHILDREN, SpeechSamples.KEYS, SpeechSamples.WEATHER, SpeechSamples.MEETING,
            "the quick brown fox jumped over the lazy dog",
            "please call me when you get home tonight",
            "we need to buy milk bread and eggs",
            "she opened the window to let in some fresh air",
            "the train leaves the station at noon",
            "he plays the guitar every evening",
            "turn off the lights before you leave",
            "our team won the game last night",
            "the cat is sleeping on the sofa",
            "please send me the report by friday",
            "it is going to rain this afternoon",
            "we are flying to london in the summer");

    /** {@code count} sentences (repeating the list if need be), each followed by {@code pauseSeconds} of silence. */
    public static SpokenRecording of(int count, double pauseSeconds) throws IOException, InterruptedException, CapabilityException {
        List<String> said = new ArrayList<>();
        List<double[]> voiced = new ArrayList<>();
        short[] all = new short[0];
        int pause = (int) Math.round(pauseSeconds * RATE);
        for (int i = 0; i < count; i++) {
            String sentence = SENTENCES.get(i % SENTENCES.size());
            short[] clip = samples(SpeechSamples.spoken(sentence));
            int first = 0;
            while (first < clip.length && Math.abs(clip[first]) < VOICE_THRESHOLD) {
                first++;
            }
            int last = clip.length - 1;
            while (last > first && Math.abs(clip[last]) < VOICE_THRESHOLD) {
                last--;
            }
            int at = all.length;
            voiced.add(new double[] {(at + first) / (double) RATE, (at + last + 1) / (double) RATE});
            said.add(sentence);
            all = Arrays.copyOf(all, at + clip.length + pause);
            System.arraycopy(clip, 0, all, at, clip.length);
        }
        byte[] wav = new SpeechAudio(all, RATE, all.length / (double) RATE, "flite slt").toWav();
        return new SpokenRecording(wav, List.copyOf(said), List.copyOf(voiced));
    }

    public double seconds() {
        return (wav.length - 44) / 2.0 / RATE;
    }

    /** The words of every sentence whose voice is mostly inside {@code [from, to)}. */
    public String saidBetween(double from, double to) {
        List<String> inside = new ArrayList<>();
        for (int i = 0; i < sentences.size(); i++) {
            double middle = (voiced.get(i)[0] + voiced.get(i)[1]) / 2;
            if (middle >= from && middle < to) {
                inside.add(sentences.get(i));
            }
        }
        return String.join(" ", inside);
    }

    /** Whether {@code seconds} falls inside a sentence's voice rather than in a pause. */
    public boolean insideSpeech(double seconds) {
        return voiced.stream().anyMatch(v -> seconds > v[0] && seconds < v[1]);
    }

    /** Word error rate of {@code heard} against {@code said}: word edit distance over the words said. */
    public static double wordErrorRate(String said, String heard) {
        String[] reference = said.isBlank() ? new String[0] : said.strip().split("\\s+");
        String[] hypothesis = heard.isBlank() ? new String[0] : heard.strip().split("\\s+");
        int[] previous = new int[hypothesis.length + 1];
        int[] current = new int[hypothesis.length + 1];
        for (int j = 0; j <= hypothesis.length; j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= reference.length; i++) {
            current[0] = i;
            for (int j = 1; j <= hypothesis.length; j++) {
                int substitution = previous[j - 1] + (reference[i - 1].equalsIgnoreCase(hypothesis[j - 1]) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return reference.length == 0 ? hypothesis.length : previous[hypothesis.length] / (double) reference.length;
    }

    private static short[] samples(byte[] wav) throws CapabilityException {
        WavFile file = WavFile.parse(wav);
        if (file.sampleRate() != RATE || file.channels() != 1 || file.bitsPerSample() != 16) {
            throw new IllegalStateException("flite gave " + file.describe());
        }
        short[] samples = new short[file.frames()];
        ByteBuffer.wrap(wav, file.dataOffset(), file.frames() * 2).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(samples);
        return samples;
    }
}
