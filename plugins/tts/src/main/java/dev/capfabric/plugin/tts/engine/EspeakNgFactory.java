package dev.capfabric.plugin.tts.engine;

import dev.capfabric.plugin.tts.speech.SpeechRequest;
import dev.capfabric.plugin.tts.speech.Voice;
import dev.capfabric.spi.Artifact;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code espeak-ng} provider: eSpeak NG, the Debian package {@code espeak-ng}, one process per job.
 * Its voices and languages are what {@code espeak-ng --voices} lists: a voice is named by its language
 * code ({@code en-us}, {@code de}), or by its file ({@code sit/yue-Latn-jyutping}) where two voices share
 * a code. A job's {@code language} picks the voice for that language. Default voice: {@code en-us}.
 *
 * <p>Speed maps to words per minute around eSpeak NG's normal 175.
 */
public final class EspeakNgFactory extends CommandLineFactory {

    static final String ID = "espeak-ng";
    private static final int NORMAL_WORDS_PER_MINUTE = 175;

    @Override
    public String id() {
        return ID;
    }

    @Override
    String debianPackage() {
        return "espeak-ng";
    }

    @Override
    double minSpeed() {
        return 0.5;
    }

    @Override
    double maxSpeed() {
        return 2.5;
    }

    @Override
    Discovery discover(Path binary, WorkFolder work) throws EngineQuery.FailedException {
        String about = EngineQuery.ask(ID, binary, work, "--version").strip();
        List<Voice> voices = listedVoices(EngineQuery.ask(ID, binary, work, "--voices"));
        Map<String, Object> extra = new LinkedHashMap<>();
        String firstLine = about.lines().findFirst().orElse("unknown");
        int dataIn = firstLine.indexOf("Data at:");
        extra.put("engine", (dataIn < 0 ? firstLine : firstLine.substring(0, dataIn)).strip());
        List<Artifact> artifacts = new ArrayList<>();
        int dataAt = about.indexOf("Data at:");
        if (dataAt >= 0) {
            String data = about.substring(dataAt + "Data at:".length()).strip();
            artifacts.add(new Artifact("voice", "espeak-ng-data (" + voices.size() + " voices)", data, -1));
        }
        return new Discovery(voices, List.of("en-us", "en-gb", "en"), extra, artifacts);
    }

    /**
     * Parses the table {@code espeak-ng --voices} prints:
     * {@code Pty Language Age/Gender VoiceName File Other Languages}, one voice per line.
     */
    static List<Voice> listedVoices(String console) {
        List<Voice> voices = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (String line : console.lines().toList()) {
            String[] columns = line.strip().split("\\s+");
            if (columns.length < 5 || !columns[0].matches("\\d+")) {
                continue; // the header, or anything that is not a voice row
            }
            String language = columns[1];
            String file = columns[4];
            String name = names.contains(language) ? file : language;
            if (names.add(name)) {
                voices.add(Voice.of(name, language));
            }
        }
        return voices;
    }

    @Override
    public List<String> speakCommand(Path binary, SpeechRequest request, Path textFile, Path wavFile) {
        return List.of(binary.toString(),
                "-v", request.voice().orElseThrow(),
                "-s", Long.toString(Math.round(NORMAL_WORDS_PER_MINUTE * request.speed())),
                "-b", "1", // the text file is UTF-8
                "-f", textFile.toString(),
                "-w", wavFile.toString());
    }
}
