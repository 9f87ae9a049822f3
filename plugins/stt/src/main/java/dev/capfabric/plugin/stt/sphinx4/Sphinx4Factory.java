package dev.capfabric.plugin.stt.sphinx4;

import dev.capfabric.spi.support.EnginePool;
import dev.capfabric.plugin.stt.LocalSttProvider;
import dev.capfabric.plugin.stt.ProviderSettings;
import dev.capfabric.plugin.stt.SupportedLanguages;
import dev.capfabric.plugin.stt.UnusableException;
import dev.capfabric.plugin.stt.audio.Resampler;
import dev.capfabric.plugin.stt.audio.SpeechAudioReader;
import dev.capfabric.plugin.stt.split.SplitPolicy;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.ProviderContext;
import dev.capfabric.spi.ProviderFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The {@code sphinx4} stt provider: CMU Sphinx4 in pure Java with the en-us model from the
 * {@code sphinx4-data} jar, so it runs on any node without system packages. Slower than
 * pocketsphinx; each engine holds its own copy of the model (a few hundred MB of heap), so
 * concurrency defaults to 1. Engines are loaded by the jobs that need them, not at creation, which
 * checks only that the model's files can be read; a model that fails to load makes the first job fail
 * with {@code UNAVAILABLE} and the provider report itself down.
 *
 * <p>Settings: {@code model-dir} (a folder laid out like the bundled model, instead of it),
 * {@code concurrency}, {@code idle-release-ms} (an engine unused this long is closed and the heap
 * collected; default 10 minutes, 0 keeps engines), {@code max-input-bytes}, {@code max-audio-seconds}, and the {@link SplitPolicy} settings
 * ({@code split-above-seconds}, {@code split-part-seconds}, {@code split-max-parts}, {@code split-overlap-ms}).
 */
public final class Sphinx4Factory implements ProviderFactory {

    static final String ID = "sphinx4";
    /** Loading an engine takes seconds and a few hundred MB of heap: worth it only for a node that keeps busy. */
    static final Duration IDLE_RELEASE = Duration.ofMinutes(10);

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Capability capability() {
        return Capability.STT;
    }

    @Override
    public Creation create(ProviderContext context) {
        ProviderSettings settings = new ProviderSettings(context);
        AutoCloseable logRouting = () -> { };
        try {
            int concurrency = settings.concurrency(1);
            long maxInputBytes = settings.maxInputBytes(64L << 20);
            long maxSeconds = settings.maxAudioSeconds(600);
            Sphinx4Model model = settings.path("model-dir").isPresent()
                    ? Sphinx4Model.inFolder(settings.path("model-dir").get())
                    : Sphinx4Model.bundled();
            requireXml();
            logRouting = Sphinx4Logging.routeTo(context.logger());
            String config = Sphinx4Setup.write(context.dataDir());
            Duration idleRelease = settings.idleRelease(IDLE_RELEASE);
            model.requireReadable();
            // the model lives on the heap: without a full collection the heap keeps the space it freed
            EnginePool.Holding holding = new EnginePool.Holding(concurrency, idleRelease, System::gc);
            EnginePool<Sphinx4Engine> engines = new EnginePool<>(ID, holding, () -> new Sphinx4Engine(model, config));
            LocalSttProvider.Profile profile = new LocalSttProvider.Profile(ID, "cmusphinx-" + model.language(),
                    new SupportedLanguages(ID, List.of(model.language())),
                    new SpeechAudioReader(new Resampler(), Sphinx4Engine.SAMPLE_RATE, maxSeconds),
                    maxInputBytes, model.artifacts(),
                    Map.of("engine", "sphinx4 1.0.0 (pure Java)", "model_origin", model.origin(),
                            "sample_rate", Sphinx4Engine.SAMPLE_RATE), SplitPolicy.from(settings));
            return Creation.ready(new LocalSttProvider<>(profile, engines,
                    (engine, audio, job) -> engine.recognize(audio, job), logRouting));
        } catch (UnusableException e) {
            closeQuietly(logRouting);
            return Creation.unusable(e.getMessage());
        } catch (Exception | LinkageError e) {
            closeQuietly(logRouting);
            return Creation.unusable("Sphinx4 could not load its model: " + e);
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // creation already failed; the reason given is the one that matters
        }
    }

    /**
     * Sphinx4 parses its configuration with the JDK's SAX parser. The plugin does not require
     * {@code java.xml} itself, so that a runtime without it loses only this provider, with this reason.
     */
    private static void requireXml() throws UnusableException {
        ModuleLayer layer = Sphinx4Factory.class.getModule().getLayer();
        if ((layer == null ? ModuleLayer.boot() : layer).findModule("java.xml").isEmpty()) {
            throw new UnusableException("Sphinx4 needs the JDK module java.xml, which this node's runtime lacks");
        }
    }
}
