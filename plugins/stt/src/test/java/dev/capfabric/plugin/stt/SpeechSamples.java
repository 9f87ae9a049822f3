package dev.capfabric.plugin.stt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real speech for the recognisers, made by the Debian engines the tests need: {@code flite} speaks a
 * sentence (voice slt, 16 kHz mono 16-bit) and {@code sox} rewrites it in another sample rate, channel
 * count or sample encoding, independently of this plugin's own decoder and resampler.
 */
public final class SpeechSamples {

    /** Sentences pocketsphinx recognises word for word from flite's slt voice. */
    public static final String CHILDREN = "the children are playing in the park";
    public static final String KEYS = "can you help me find my keys";
    /** Sentences both pocketsphinx and Sphinx4 recognise word for word from flite's slt voice. */
    public static final String WEATHER = "the weather is nice and sunny today";
    public static final String MEETING = "the meeting has been moved to next week";

    private SpeechSamples() {
    }

    /** {@code sentence} spoken by flite's slt voice: 16 kHz, mono, 16-bit PCM. */
    public static byte[] spoken(String sentence) throws IOException, InterruptedException {
        Path wav = Files.createTempFile("flite-", ".wav");
        try {
            run("flite", "-voice", "slt", "-t", sentence, "-o", wav.toString());
            return Files.readAllBytes(wav);
        } finally {
            Files.deleteIfExists(wav);
        }
    }

    /**
     * {@code wav} rewritten by sox with the given output options, such as
     * {@code "-r", "44100", "-c", "2", "-b", "24"} or {@code "-e", "floating-point", "-b", "32"}.
     */
    public static byte[] converted(byte[] wav, String... outputOptions) throws IOException, InterruptedException {
        Path in = Files.createTempFile("sox-in-", ".wav");
        Path out = Files.createTempFile("sox-out-", ".wav");
        try {
            Files.write(in, wav);
            List<String> command = new ArrayList<>(List.of("sox", "-V1", in.toString()));
            command.addAll(List.of(outputOptions));
            command.add(out.toString());
            run(command.toArray(String[]::new));
            return Files.readAllBytes(out);
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }
}
