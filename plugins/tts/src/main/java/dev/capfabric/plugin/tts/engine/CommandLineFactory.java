package dev.capfabric.plugin.tts.engine;

import dev.capfabric.plugin.tts.speech.OutputFormat;
import dev.capfabric.plugin.tts.speech.Settings;
import dev.capfabric.plugin.tts.speech.SpeechRules;
import dev.capfabric.plugin.tts.speech.Voice;
import dev.capfabric.spi.Artifact;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.ProviderContext;
import dev.capfabric.spi.ProviderFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * What the factories of command-line engines share: find the binary ({@code binary} setting, else the
 * engine's name on {@code PATH}), ask the engine for its voices, and build a {@link CommandLineProvider};
 * or say why not. Settings common to both: {@code binary}, {@code voice} (the default voice),
 * {@code concurrency}, {@code max-text-chars}, {@code max-audio-bytes}.
 */
abstract class CommandLineFactory implements ProviderFactory, EngineDialect {

    /**
     * What an engine told about itself.
     *
     * @param voices            its voices, in its order
     * @param preferredDefaults default voices to use, best first, when the {@code voice} setting names none;
     *                          the first voice when none of these is present
     * @param extra             facts for {@code /caps}, such as its version
     * @param artifacts         files it uses
     */
    record Discovery(List<Voice> voices, List<String> preferredDefaults, Map<String, Object> extra, List<Artifact> artifacts) {
        Discovery {
            voices = List.copyOf(requireNonNull(voices, "voices is null"));
            preferredDefaults = List.copyOf(requireNonNull(preferredDefaults, "preferredDefaults is null"));
            extra = Map.copyOf(requireNonNull(extra, "extra is null"));
            artifacts = List.copyOf(requireNonNull(artifacts, "artifacts is null"));
        }
    }

    @Override
    public final Capability capability() {
        return Capability.TTS;
    }

    /** The Debian package that installs the engine, named in the reason when it is missing. */
    abstract String debianPackage();

    /** The slowest and fastest speed the engine's rate option can express. */
    abstract double minSpeed();

    abstract double maxSpeed();

    /** Asks the engine for its voices and whatever else is worth showing. */
    abstract Discovery discover(Path binary, WorkFolder work) throws EngineQuery.FailedException;

    @Override
    public final Creation create(ProviderContext context) {
        Settings settings = new Settings(context);
        EngineBinary.Lookup lookup = EngineBinary.locate(settings.text("binary").orElse(id()), debianPackage());
        if (lookup instanceof EngineBinary.Lookup.Missing(String reason)) {
            return Creation.unusable(reason);
        }
        Path binary = ((EngineBinary.Lookup.Found) lookup).path();
        int concurrency;
        int maxTextChars;
        long maxAudioBytes;
        try {
            concurrency = settings.concurrency(Runtime.getRuntime().availableProcessors());
            maxTextChars = settings.maxTextChars();
            maxAudioBytes = settings.maxAudioBytes();
        } catch (IllegalArgumentException e) {
            return Creation.unusable(Settings.invalid(id(), e));
        }
        WorkFolder work;
        try {
            work = WorkFolder.under(context.dataDir());
        } catch (IOException e) {
            return Creation.unusable("cannot prepare a work folder under " + context.dataDir() + ": " + e.getMessage());
        }
        Discovery discovery;
        try {
            discovery = discover(binary, work);
        } catch (EngineQuery.FailedException e) {
            return Creation.unusable(id() + " at " + binary + " does not answer as expected: " + e.getMessage());
        }
        if (discovery.voices().isEmpty()) {
            return Creation.unusable(id() + " at " + binary + " lists no voice it can speak with");
        }
        SpeechRules rules;
        try {
            rules = new SpeechRules(id(), maxTextChars, discovery.voices(),
                    Optional.of(settings.text("voice").orElseGet(() -> defaultVoice(discovery))),
                    minSpeed(), maxSpeed(), Set.of(OutputFormat.WAV));
        } catch (IllegalArgumentException e) {
            return Creation.unusable(Settings.invalid(id(), e));
        }
        context.logger().log(System.Logger.Level.INFO, "{0} ready at {1}: {2} voices, default {3}",
                id(), binary, rules.voices().size(), rules.defaultVoice().orElseThrow());
        return Creation.ready(new CommandLineProvider(this, binary, rules, work, maxAudioBytes, concurrency,
                discovery.extra(), discovery.artifacts()));
    }

    private static String defaultVoice(Discovery discovery) {
        for (String preferred : discovery.preferredDefaults()) {
            for (Voice voice : discovery.voices()) {
                if (voice.name().equals(preferred)) {
                    return preferred;
                }
            }
        }
        return discovery.voices().getFirst().name();
    }
}
