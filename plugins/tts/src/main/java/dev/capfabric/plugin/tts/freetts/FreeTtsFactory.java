package dev.capfabric.plugin.tts.freetts;

import com.sun.speech.freetts.en.us.CMUDiphoneVoice;
import dev.capfabric.plugin.tts.speech.OutputFormat;
import dev.capfabric.plugin.tts.speech.Settings;
import dev.capfabric.plugin.tts.speech.SpeechRules;
import dev.capfabric.plugin.tts.speech.Voice;
import dev.capfabric.spi.Artifact;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.ProviderContext;
import dev.capfabric.spi.ProviderFactory;
import dev.capfabric.spi.support.EnginePool;

import java.io.IOException;
import java.net.URL;
import java.net.URLConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The {@code freetts} provider: FreeTTS 1.2.2 in pure Java, with the voices inside its jar, so it works
 * on any node without system packages. It needs only the JDK modules {@code java.desktop} and
 * {@code java.logging} in the runtime's boot layer (FreeTTS's audio interface is written against
 * {@code javax.sound.sampled}, and it logs through {@code java.util.logging}); where they are missing the
 * provider is unusable and says so.
 *
 * <p>Voice sets are loaded by the jobs that need them, not at creation, which checks only that the
 * voices' data can be read.
 *
 * <p>Settings: {@code instances} (voice sets at most, hence jobs at once; default 2, or 1 on a one-core
 * machine), {@code idle-release-ms} (a set unused this long is released; default 10 minutes, 0 keeps
 * sets), {@code voice} (default {@code kevin16}), {@code max-text-chars} (5000), {@code max-audio-bytes}.
 */
public final class FreeTtsFactory implements ProviderFactory {

    static final double MIN_SPEED = 0.5;
    static final double MAX_SPEED = 2.0;
    static final Duration IDLE_RELEASE = Duration.ofMinutes(10);

    @Override
    public String id() {
        return FreeTtsProvider.ID;
    }

    @Override
    public Capability capability() {
        return Capability.TTS;
    }

    @Override
    public Creation create(ProviderContext context) {
        Optional<String> missing = missingJdkModules();
        if (missing.isPresent()) {
            return Creation.unusable(missing.get());
        }
        Settings settings = new Settings(context);
        int instances;
        int maxTextChars;
        long maxAudioBytes;
        String defaultVoice;
        Duration idleRelease;
        try {
            instances = settings.positiveInt("instances", Math.min(2, Runtime.getRuntime().availableProcessors()), 64);
            maxTextChars = settings.maxTextChars();
            maxAudioBytes = settings.maxAudioBytes();
            defaultVoice = settings.text("voice").orElse("kevin16");
            idleRelease = settings.idleRelease(IDLE_RELEASE);
        } catch (IllegalArgumentException e) {
            return Creation.unusable(Settings.invalid(id(), e));
        }

        List<CMUDiphoneVoice> offered;
        try {
            offered = FreeTtsVoiceSet.available();
        } catch (RuntimeException | LinkageError e) {
            return Creation.unusable("FreeTTS cannot list its voices: " + e);
        }
        if (offered.isEmpty()) {
            return Creation.unusable("FreeTTS's KevinVoiceDirectory offered no diphone voice");
        }
        List<Voice> voices = offered.stream().map(v -> Voice.of(v.getName(), v.getLocale().toLanguageTag())).toList();
        SpeechRules rules;
        try {
            rules = new SpeechRules(id(), maxTextChars, voices, Optional.of(defaultVoice), MIN_SPEED, MAX_SPEED,
                    Set.of(OutputFormat.WAV));
        } catch (IllegalArgumentException e) {
            return Creation.unusable(Settings.invalid(id(), e));
        }
        List<Artifact> artifacts = new ArrayList<>();
        for (CMUDiphoneVoice voice : offered) {
            try {
                artifacts.add(new Artifact("voice", voice.getName(), voice.getDatabase().toString(), sizeOf(voice.getDatabase())));
            } catch (IOException e) {
                return Creation.unusable("FreeTTS cannot read the data of voice " + voice.getName() + " at "
                        + voice.getDatabase() + ": " + e);
            }
        }
        EnginePool<FreeTtsVoiceSet> sets = new EnginePool<>(id(), EnginePool.Holding.of(instances, idleRelease),
                FreeTtsVoiceSet::load);
        context.logger().log(System.Logger.Level.INFO, "FreeTTS ready: up to {0} voice set(s) of {1}, each loaded when"
                + " jobs first need it", instances, rules.voiceNames());
        return Creation.ready(new FreeTtsProvider(rules, sets, maxAudioBytes, artifacts));
    }

    /**
     * Present when FreeTTS cannot run here: why. FreeTTS, an automatic module, sees exactly the JDK modules
     * of the boot layer; it needs {@code java.desktop} (and through it {@code java.xml}) for its audio and
     * document interfaces and {@code java.logging} for its logs.
     */
    static Optional<String> missingJdkModules() {
        List<String> missing = Stream.of("java.desktop", "java.logging")
                .filter(name -> ModuleLayer.boot().findModule(name).isEmpty())
                .toList();
        boolean readable = ModuleLayer.boot().findModule("java.desktop")
                .map(FreeTtsFactory.class.getModule()::canRead).orElse(false);
        if (missing.isEmpty() && readable) {
            return Optional.empty();
        }
        List<String> needed = missing.isEmpty() ? List.of("java.desktop") : missing;
        return Optional.of("FreeTTS needs the JDK module(s) " + String.join(", ", needed) + " in the runtime's boot layer"
                + " (javax.sound.sampled, java.util.logging): start the node with --add-modules " + String.join(",", needed)
                + ", and include them in a jlink image");
    }

    /** The size of a voice's data, opened to prove it can be read (it is loaded only by a job). */
    private static long sizeOf(URL url) throws IOException {
        URLConnection connection = url.openConnection();
        connection.setUseCaches(false);
        long length = connection.getContentLengthLong();
        connection.getInputStream().close();
        return length;
    }
}
