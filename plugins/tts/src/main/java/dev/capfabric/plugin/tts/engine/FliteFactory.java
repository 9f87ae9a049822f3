package dev.capfabric.plugin.tts.engine;

import dev.capfabric.plugin.tts.speech.SpeechRequest;
import dev.capfabric.plugin.tts.speech.Voice;
import dev.capfabric.spi.Artifact;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code flite} provider: CMU Flite, the Debian package {@code flite}, one process per job. Its
 * voices are what {@code flite -lv} lists, less the limited-domain ones (named {@code *_time}: they
 * speak clock times only). The best general voice found is the default ({@code slt}, then
 * {@code kal16}, ...), unless the {@code voice} setting says otherwise.
 *
 * <p>Flite lists voice names but not their languages; the language analysis built into it (the
 * {@code usenglish} and {@code cmulex} modules) is English, so every listed voice is declared
 * {@code en}.
 */
public final class FliteFactory extends CommandLineFactory {

    static final String ID = "flite";

    @Override
    public String id() {
        return ID;
    }

    @Override
    String debianPackage() {
        return "flite";
    }

    @Override
    double minSpeed() {
        return 0.5;
    }

    @Override
    double maxSpeed() {
        return 2.0;
    }

    @Override
    Discovery discover(Path binary, WorkFolder work) throws EngineQuery.FailedException {
        String version = EngineQuery.askAnyStatus(ID, binary, work, "--version").lines()
                .map(String::strip).filter(line -> line.startsWith("version:"))
                .map(line -> line.substring("version:".length()).strip()).findFirst().orElse("unknown");
        List<String> listed = listedVoices(EngineQuery.ask(ID, binary, work, "-lv"));
        List<Voice> voices = new ArrayList<>();
        Map<String, Object> notOffered = new LinkedHashMap<>();
        for (String name : listed) {
            if (name.endsWith("_time")) {
                notOffered.put(name, "limited-domain voice: speaks clock times only");
            } else {
                voices.add(Voice.of(name, "en"));
            }
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("engine", version);
        extra.put("not_offered", notOffered);
        return new Discovery(voices, List.of("slt", "kal16", "rms", "awb", "kal"), extra,
                List.of(new Artifact("engine", ID, binary.toString(), sizeOf(binary))));
    }

    /** The names on the line {@code Voices available: kal awb_time kal16 ...}. */
    static List<String> listedVoices(String console) {
        return console.lines()
                .map(String::strip)
                .filter(line -> line.startsWith("Voices available:"))
                .flatMap(line -> List.of(line.substring("Voices available:".length()).strip().split("\\s+")).stream())
                .filter(name -> !name.isBlank())
                .distinct()
                .toList();
    }

    @Override
    public List<String> speakCommand(Path binary, SpeechRequest request, Path textFile, Path wavFile) {
        return List.of(binary.toString(),
                "-voice", request.voice().orElseThrow(),
                // flite stretches durations: 2.0 is half the speed
                "--setf", String.format(Locale.ROOT, "duration_stretch=%.4f", 1.0 / request.speed()),
                "-f", textFile.toString(),
                "-o", wavFile.toString());
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }
}
