package dev.capfabric.plugin.stt.pocketsphinx;

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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code pocketsphinx} stt provider: the CMU pocketsphinx library of the node (Debian
 * {@code libpocketsphinx3} with {@code pocketsphinx-en-us}) called in-process through the FFM API,
 * one decoder per job running at once, reused across jobs. Decoders are loaded by the jobs that need
 * them (about 50 MB each), not at creation, which checks only that the library loads, that the model's
 * files are there and that pocketsphinx takes the arguments; a model that fails to load makes the first
 * job fail with {@code UNAVAILABLE} and the provider report itself down.
 *
 * <p>Settings: {@code library} (path of {@code libpocketsphinx.so.3}; default: the system's library
 * search), {@code model-dir} (default {@code /usr/share/pocketsphinx/model/en-us}), optionally
 * {@code hmm}, {@code lm} and {@code dict} to name the model parts one by one, {@code decoder-options}
 * (extra pocketsphinx arguments, such as {@code -lw 8}), {@code concurrency}, {@code idle-release-ms} (a decoder unused this long is
 * closed; default 10 minutes, 0 keeps them), {@code max-input-bytes}, {@code max-audio-seconds}, and the {@link SplitPolicy} settings
 * ({@code split-above-seconds}, {@code split-part-seconds}, {@code split-max-parts}, {@code split-overlap-ms}). Unusable, with the reason, where the library or the model is missing.
 */
public final class PocketsphinxFactory implements ProviderFactory {

    static final String ID = "pocketsphinx";
    static final int SAMPLE_RATE = 16_000;
    /** A decoder loads in about 0.3 s: releasing it after a quiet spell costs the next job little. */
    static final Duration IDLE_RELEASE = Duration.ofMinutes(10);
    /** Up to 30 s the audio is decoded as one utterance; longer audio in 1 s blocks that a cancellation can stop. */
    static final int WHOLE_UTTERANCE_LIMIT = 30 * SAMPLE_RATE;
    /**
     * Settings this provider changes from pocketsphinx's defaults; an operator's {@code decoder-options}
     * win over them. The noise-removal filter keeps its noise estimate from one utterance to the next, so
     * a reused decoder would hear a job differently depending on the jobs it heard before; off, the same
     * audio always gives the same text, at no measured cost in accuracy (docs/ENGINES.md).
     */
    static final Map<String, String> TUNED_OPTIONS = Map.of("-remove_noise", "no");

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
        PocketsphinxLibrary library = null;
        try {
            int concurrency = settings.concurrency(Math.min(4, Runtime.getRuntime().availableProcessors()));
            long maxInputBytes = settings.maxInputBytes(64L << 20);
            long maxSeconds = settings.maxAudioSeconds(600);
            PocketsphinxModel model = PocketsphinxModel.locate(
                    settings.path("model-dir").orElse(PocketsphinxModel.DEBIAN_EN_US),
                    settings.path("hmm"), settings.path("lm"), settings.path("dict"));
            List<String> arguments = arguments(model, settings.text("decoder-options", ""));
            Duration idleRelease = settings.idleRelease(IDLE_RELEASE);
            library = PocketsphinxLibrary.load(settings.path("library"));
            PocketsphinxLibrary loaded = library;
            PocketsphinxDecoder.checkArguments(loaded, arguments);
            EnginePool<PocketsphinxDecoder> decoders = new EnginePool<>(ID, EnginePool.Holding.of(concurrency, idleRelease),
                    () -> PocketsphinxDecoder.open(loaded, arguments, WHOLE_UTTERANCE_LIMIT, SAMPLE_RATE));
            LocalSttProvider.Profile profile = new LocalSttProvider.Profile(ID, "cmusphinx-" + model.language(),
                    new SupportedLanguages(ID, List.of(model.language())),
                    new SpeechAudioReader(new Resampler(), SAMPLE_RATE, maxSeconds),
                    maxInputBytes, model.artifacts(),
                    Map.of("engine", "pocketsphinx 5prealpha (in-process, FFM)", "library", library.location(),
                            "sample_rate", SAMPLE_RATE), SplitPolicy.from(settings));
            return Creation.ready(new LocalSttProvider<>(profile, decoders,
                    (decoder, audio, job) -> decoder.recognize(audio.samples(), job), loaded));
        } catch (UnusableException e) {
            closeQuietly(library);
            return Creation.unusable(e.getMessage());
        } catch (Exception e) {
            closeQuietly(library);
            return Creation.unusable("pocketsphinx could not start: " + e.getMessage());
        }
    }

    /** The decoder's arguments: model paths, then the tuned settings, then the operator's, later ones winning. */
    static List<String> arguments(PocketsphinxModel model, String decoderOptions) throws UnusableException {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("-hmm", model.acousticModel().toString());
        options.put("-lm", model.languageModel().toString());
        options.put("-dict", model.dictionary().toString());
        options.put("-samprate", Integer.toString(SAMPLE_RATE));
        options.putAll(TUNED_OPTIONS);
        String[] extra = decoderOptions.isBlank() ? new String[0] : decoderOptions.strip().split("\\s+");
        if (extra.length % 2 != 0) {
            throw new UnusableException("setting decoder-options must be '-name value' pairs: " + decoderOptions);
        }
        for (int i = 0; i < extra.length; i += 2) {
            if (!extra[i].startsWith("-") || extra[i].equals("-logfn") || extra[i].equals("-samprate")) {
                throw new UnusableException("setting decoder-options: '" + extra[i]
                        + "' is not an option this provider lets you set");
            }
            options.put(extra[i], extra[i + 1]);
        }
        List<String> arguments = new ArrayList<>();
        options.forEach((name, value) -> {
            arguments.add(name);
            arguments.add(value);
        });
        return arguments;
    }

    private static void closeQuietly(PocketsphinxLibrary library) {
        if (library != null) {
            library.close();
        }
    }
}
