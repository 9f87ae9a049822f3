package dev.capfabric.kernel.openai;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.util.Objects.requireNonNull;

/**
 * Every audio conversion of the node, in one place: uploads in any format OpenAI accepts decoded to
 * the 16 kHz mono 16-bit WAV the stt engines read, and the tts engines' WAV encoded to the format a
 * speech request asks for. The work is FFmpeg's, run as a process ({@code ffmpeg} of Debian, or the
 * command configured): one process per conversion, its input from a file (MP4 and M4A need to seek)
 * or a pipe, its output read as it is produced, its time bounded by the job's deadline.
 *
 * <p>What this node can do is found once by asking ffmpeg for its decoders and encoders; a node
 * without ffmpeg still takes WAV in and gives WAV out, and refuses every other format with 415 and the
 * list of those it can handle. Thread-safe.
 */
final class AudioCodec {

    /** The sample rate of decoded audio: what speech recognisers are trained on. */
    static final int DECODED_RATE = 16_000;

    /** Upload formats of OpenAI's transcription API, each with the decoders (any one) it needs. */
    private static final Map<String, List<String>> INPUTS = inputs();
    /** Speech formats of OpenAI's speech API, each with the encoders (first found wins) it needs. */
    private static final Map<String, List<String>> OUTPUTS = outputs();

    private final Path ffmpeg;
    private final long maxDecodedBytes;
    private static final Duration PROBE_AFTER = Duration.ofSeconds(3);

    private final CompletableFuture<Abilities> probed = new CompletableFuture<>();
    private final AtomicBoolean probeStarted = new AtomicBoolean();

    /** What the ffmpeg here can do. */
    private record Abilities(boolean present, Set<String> decoders, Set<String> encoders, String why) {
    }

    /** A conversion that could not be done, with the HTTP status it deserves. */
    static final class CodecException extends Exception {
        final int status;

        CodecException(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    /**
     * @param ffmpeg            the ffmpeg command
     * @param maxDecodedSeconds the longest audio decoded; longer uploads are refused with 413
     */
    AudioCodec(Path ffmpeg, double maxDecodedSeconds) {
        this.ffmpeg = requireNonNull(ffmpeg, "ffmpeg is null");
        this.maxDecodedBytes = (long) (maxDecodedSeconds * DECODED_RATE * 2);
        // asked a little after start-up, or at the first audio request if sooner: the two listings cost ffmpeg about
        // 200 ms of CPU, which on a 2-core machine the node's own start (P5, docs/BENCHMARKS.md) would wait for
        CompletableFuture.delayedExecutor(PROBE_AFTER.toMillis(), TimeUnit.MILLISECONDS).execute(this::startProbe);
    }

    private void startProbe() {
        if (probeStarted.compareAndSet(false, true)) {
            Thread.ofVirtual().name("capfabric-ffmpeg-probe").start(() -> {
                try {
                    probed.complete(probe());
                } catch (RuntimeException | Error e) {
                    probed.completeExceptionally(e);
                }
            });
        }
    }

    /** What ffmpeg here can do; probed now if it was not yet. */
    private Abilities abilities() {
        startProbe();
        return probed.join();
    }

    private static Map<String, List<String>> inputs() {
        Map<String, List<String>> inputs = new LinkedHashMap<>();
        inputs.put("flac", List.of("flac"));
        inputs.put("mp3", List.of("mp3float", "mp3"));
        inputs.put("mp4", List.of("aac"));
        inputs.put("mpeg", List.of("mp3float", "mp3"));
        inputs.put("mpga", List.of("mp3float", "mp3"));
        inputs.put("m4a", List.of("aac"));
        inputs.put("ogg", List.of("vorbis", "libvorbis", "opus", "libopus"));
        inputs.put("wav", List.of("pcm_s16le"));
        inputs.put("webm", List.of("opus", "libopus", "vorbis", "libvorbis"));
        return inputs;
    }

    private static Map<String, List<String>> outputs() {
        Map<String, List<String>> outputs = new LinkedHashMap<>();
        outputs.put("mp3", List.of("libmp3lame", "libshine"));
        outputs.put("opus", List.of("libopus", "opus"));
        outputs.put("aac", List.of("aac", "libfdk_aac"));
        outputs.put("flac", List.of("flac"));
        outputs.put("wav", List.of("pcm_s16le"));
        outputs.put("pcm", List.of("pcm_s16le"));
        return outputs;
    }

    /** Every upload format OpenAI names. */
    static Set<String> openAiInputs() {
        return INPUTS.keySet();
    }

    /** Every speech format OpenAI names. */
    static Set<String> openAiOutputs() {
        return OUTPUTS.keySet();
    }

    /** The upload formats this node decodes. */
    Set<String> inputFormats() {
        Abilities abilities = abilities();
        Set<String> formats = new LinkedHashSet<>();
        INPUTS.forEach((format, decoders) -> {
            if (format.equals("wav") || abilities.present() && decoders.stream().anyMatch(abilities.decoders()::contains)) {
                formats.add(format);
            }
        });
        return formats;
    }

    /** The speech formats this node encodes. */
    Set<String> outputFormats() {
        Abilities abilities = abilities();
        Set<String> formats = new LinkedHashSet<>();
        OUTPUTS.forEach((format, encoders) -> {
            if (format.equals("wav") || abilities.present() && encoders.stream().anyMatch(abilities.encoders()::contains)) {
                formats.add(format);
            }
        });
        return formats;
    }

    /**
     * Decodes an upload to 16 kHz mono 16-bit WAV.
     *
     * @param format the format its name says ({@code mp3} ...), or empty when it says none: ffmpeg then
     *               finds out from the bytes
     */
    byte[] decodeToWav(byte[] upload, String format, Instant deadline) throws CodecException {
        Abilities abilities = abilities();
        if (!format.isEmpty() && !inputFormats().contains(format)) {
            throw new CodecException(415, "this node cannot decode " + format + " audio"
                    + (abilities.present() ? "" : " (" + abilities.why() + ")") + "; it decodes: " + String.join(", ", inputFormats()));
        }
        if (!abilities.present()) {
            if (!isWav(upload)) {
                throw new CodecException(415, "this node decodes only WAV (" + abilities.why() + "); send one of: "
                        + String.join(", ", inputFormats()));
            }
            return upload;
        }
        Path file = null;
        try {
            file = Files.createTempFile("capfabric-upload-", format.isEmpty() ? ".bin" : "." + format);
            Files.write(file, upload);
            List<String> command = List.of(ffmpeg.toString(), "-nostdin", "-hide_banner", "-loglevel", "error",
                    "-i", file.toString(), "-vn", "-ac", "1", "-ar", String.valueOf(DECODED_RATE),
                    "-f", "s16le", "-c:a", "pcm_s16le", "pipe:1");
            ByteArrayOutputStream pcm = new ByteArrayOutputStream(upload.length * 4);
            run(command, null, pcm, maxDecodedBytes, deadline, "decoding the upload");
            if (pcm.size() == 0) {
                throw new CodecException(400, "the upload holds no audio");
            }
            return wav(pcm.toByteArray(), DECODED_RATE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a temporary file left behind is not worth failing a request over
                }
            }
        }
    }

    /**
     * Encodes a WAV file to a speech format, writing the output as ffmpeg produces it.
     *
     * @param format one of {@link #outputFormats()}
     */
    void encode(byte[] wav, String format, OutputStream out, Instant deadline) throws CodecException, IOException {
        if (!outputFormats().contains(format)) {
            Abilities abilities = abilities();
            throw new CodecException(415, "this node cannot encode " + format + (abilities.present() ? "" : " (" + abilities.why() + ")")
                    + "; it encodes: " + String.join(", ", outputFormats()));
        }
        if (format.equals("wav")) {
            out.write(wav);
            return;
        }
        List<String> command = new ArrayList<>(List.of(ffmpeg.toString(), "-hide_banner", "-loglevel", "error",
                "-f", "wav", "-i", "pipe:0", "-vn"));
        command.addAll(switch (format) {
            case "mp3" -> List.of("-c:a", encoder(format), "-b:a", "64k", "-f", "mp3");
            case "opus" -> List.of("-c:a", encoder(format), "-b:a", "32k", "-strict", "-2", "-f", "ogg");
            case "aac" -> List.of("-c:a", encoder(format), "-b:a", "64k", "-f", "adts");
            case "flac" -> List.of("-c:a", "flac", "-f", "flac");
            // OpenAI's pcm: raw 24 kHz mono signed 16-bit little-endian samples, no header
            case "pcm" -> List.of("-ac", "1", "-ar", "24000", "-c:a", "pcm_s16le", "-f", "s16le");
            default -> throw new IllegalStateException("no encoding for " + format);
        });
        command.add("pipe:1");
        run(command, wav, out, Long.MAX_VALUE, deadline, "encoding " + format);
    }

    /** The media type of a speech format, as OpenAI answers it. */
    static String mediaType(String format) {
        return switch (format) {
            case "mp3" -> "audio/mpeg";
            case "opus" -> "audio/ogg; codecs=opus";
            case "aac" -> "audio/aac";
            case "flac" -> "audio/flac";
            case "wav" -> "audio/wav";
            case "pcm" -> "audio/pcm; rate=24000; channels=1; encoding=s16le";
            default -> "application/octet-stream";
        };
    }

    private String encoder(String format) {
        Set<String> encoders = abilities().encoders();
        return OUTPUTS.get(format).stream().filter(encoders::contains).findFirst().orElseThrow();
    }

    /** Runs one ffmpeg conversion; output beyond {@code maxOutput} bytes is refused with 413. */
    private void run(List<String> command, byte[] stdin, OutputStream out, long maxOutput, Instant deadline, String what)
            throws CodecException {
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .redirectInput(stdin == null ? ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()) : ProcessBuilder.Redirect.PIPE)
                    .start();
        } catch (IOException e) {
            throw new CodecException(415, "ffmpeg cannot be run for " + what + ": " + e.getMessage());
        }
        CompletableFuture<String> errors = CompletableFuture.supplyAsync(() -> head(process.getErrorStream()),
                command1 -> Thread.ofVirtual().start(command1));
        if (stdin != null) {
            Thread.ofVirtual().name("capfabric-ffmpeg-in").start(() -> {
                try (OutputStream in = process.getOutputStream()) {
                    in.write(stdin);
                } catch (IOException ignored) {
                    // ffmpeg stopped reading: its exit status and errors say why
                }
            });
        }
        // the deadline ends the process wherever it is, so a stuck decode never holds a request
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                if (!process.waitFor(Math.max(1, Duration.between(Instant.now(), deadline).toMillis()), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException ignored) {
                // the conversion ended first
            }
        });
        long written = 0;
        boolean tooLong = false;
        try (InputStream output = process.getInputStream()) {
            byte[] buffer = new byte[64 * 1024];
            for (int n = output.read(buffer); n >= 0; n = output.read(buffer)) {
                written += n;
                if (written > maxOutput) {
                    tooLong = true;
                    process.destroyForcibly();
                    break;
                }
                out.write(buffer, 0, n);
                out.flush();
            }
            int status = process.waitFor();
            if (tooLong) {
                throw new CodecException(413, "the audio is longer than this node decodes ("
                        + maxOutput / (DECODED_RATE * 2) + " s)");
            }
            if (Instant.now().isAfter(deadline)) {
                throw new CodecException(504, what + " did not finish before the request's deadline");
            }
            if (status != 0) {
                String said = errors.join().strip();
                throw new CodecException(400, what + " failed: " + (said.isEmpty() ? "ffmpeg exited with " + status : said));
            }
        } catch (IOException e) {
            process.destroyForcibly();
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CodecException(503, what + " was interrupted");
        } finally {
            watchdog.interrupt();
        }
    }

    /** The first lines ffmpeg wrote to its error stream, for the message; the rest is drained. */
    private static String head(InputStream errors) {
        try (errors) {
            byte[] first = errors.readNBytes(2048);
            errors.transferTo(OutputStream.nullOutputStream());
            String text = new String(first, StandardCharsets.UTF_8);
            // a message names no temporary file of this node
            return text.replaceAll("/[^ :]*capfabric-upload-[^ :]*", "the upload").lines().limit(3)
                    .reduce((a, b) -> a + "; " + b).orElse("");
        } catch (IOException e) {
            return "";
        }
    }

    private Abilities probe() {
        try {
            Set<String> decoders = listing("-decoders");
            Set<String> encoders = listing("-encoders");
            return new Abilities(true, decoders, encoders, "ffmpeg found");
        } catch (IOException | InterruptedException e) {
            System.getLogger(AudioCodec.class.getName()).log(System.Logger.Level.WARNING,
                    "ffmpeg ({0}) cannot be run, so the OpenAI-shaped routes take and give WAV only: {1}", ffmpeg, e.getMessage());
            return new Abilities(false, Set.of(), Set.of(), "ffmpeg is not installed on this node");
        }
    }

    /** The codec names of {@code ffmpeg -decoders} or {@code -encoders}: lines such as {@code " A....D flac  FLAC"}. */
    private Set<String> listing(String which) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(ffmpeg.toString(), "-hide_banner", which)
                .redirectErrorStream(true)
                .start();
        process.getOutputStream().close();
        String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IOException("ffmpeg " + which + " failed");
        }
        Set<String> names = new TreeSet<>();
        boolean listed = false;
        for (String line : text.lines().toList()) {
            if (line.strip().startsWith("------")) {
                listed = true;
                continue;
            }
            String[] fields = line.strip().split("\\s+");
            if (listed && fields.length >= 2 && fields[0].length() == 6 && fields[0].charAt(0) == 'A') {
                names.add(fields[1].toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }

    private static boolean isWav(byte[] bytes) {
        return bytes.length >= 12 && new String(bytes, 0, 4, StandardCharsets.US_ASCII).equals("RIFF")
                && new String(bytes, 8, 4, StandardCharsets.US_ASCII).equals("WAVE");
    }

    /** Mono 16-bit little-endian samples in a WAV file with exact chunk sizes. */
    static byte[] wav(byte[] samples, int rate) {
        ByteBuffer header = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
        header.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + samples.length)
                .put("WAVE".getBytes(StandardCharsets.US_ASCII))
                .put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1).putShort((short) 1)
                .putInt(rate).putInt(rate * 2).putShort((short) 2).putShort((short) 16)
                .put("data".getBytes(StandardCharsets.US_ASCII)).putInt(samples.length);
        byte[] wav = new byte[44 + samples.length];
        System.arraycopy(header.array(), 0, wav, 0, 44);
        System.arraycopy(samples, 0, wav, 44, samples.length);
        return wav;
    }
}
