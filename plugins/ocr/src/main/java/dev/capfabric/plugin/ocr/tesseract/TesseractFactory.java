package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.plugin.ocr.config.ConfigReader;
import dev.capfabric.plugin.ocr.config.InvalidConfigException;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.ProviderContext;
import dev.capfabric.spi.ProviderFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static java.util.Objects.requireNonNull;

/**
 * Makes the {@code tesseract} OCR provider: Tesseract in process through JavaCPP, with the
 * {@code eng.traineddata} shipped in the plugin plus every traineddata file in the configured and
 * system tessdata folders. Unusable, with the reason, when the natives do not load on this
 * platform, no traineddata is found, the configured folder is wrong, or the default language's
 * file is not a traineddata file. Engines and their models are loaded by the jobs that need them.
 */
public final class TesseractFactory implements ProviderFactory {

    /** The provider id. */
    public static final String ID = "tesseract";

    private final Map<String, String> environment;

    public TesseractFactory() {
        this(System.getenv());
    }

    /** For tests: a factory that reads {@code TESSDATA_PREFIX} from {@code environment}. */
    TesseractFactory(Map<String, String> environment) {
        this.environment = Map.copyOf(requireNonNull(environment, "environment is null"));
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Capability capability() {
        return Capability.OCR;
    }

    @Override
    public Creation create(ProviderContext context) {
        TesseractSettings settings;
        try {
            settings = TesseractSettings.from(new ConfigReader(context));
        } catch (InvalidConfigException invalid) {
            return Creation.unusable("invalid configuration: " + invalid.getMessage());
        }
        Optional<String> nativeProblem = TesseractNatives.load();
        if (nativeProblem.isPresent()) {
            return Creation.unusable(nativeProblem.get());
        }
        TessdataSources sources = TessdataSources.of(settings, environment, context.dataDir());
        TessdataCatalog catalog;
        try {
            catalog = TessdataCatalog.assemble(sources);
        } catch (InvalidConfigException invalid) {
            return Creation.unusable(invalid.getMessage());
        } catch (IOException unwritable) {
            return Creation.unusable("cannot prepare the tessdata folder under " + context.dataDir() + ": " + unwritable);
        }
        if (catalog.languages().isEmpty()) {
            return Creation.unusable("no traineddata file found in " + sources.folders()
                    + (settings.bundledTessdata() ? "" : " (the bundled eng.traineddata is switched off)"));
        }
        Optional<String> missing = catalog.firstMissing(settings.defaultLanguage());
        if (missing.isPresent()) {
            return Creation.unusable("the default language '" + missing.get() + "' has no traineddata here (installed: "
                    + String.join(", ", catalog.languages()) + "); set providers." + ID
                    + ".language or add " + missing.get() + ".traineddata to the tessdata folder");
        }
        try {
            PageSegmentation.choose(OptionalInt.empty(), settings.defaultPageSegmentation(), catalog.hasOsd());
        } catch (CapabilityException unusableMode) {
            return Creation.unusable("invalid configuration: " + unusableMode.getMessage());
        }
        // models are loaded by the first job that needs them; what can be told without loading one is told now
        for (String language : settings.defaultLanguage().split("\\+")) {
            Path file = catalog.folder().resolve(language + TrainedData.SUFFIX);
            Optional<String> problem = TraineddataHeader.problem(file);
            if (problem.isPresent()) {
                return Creation.unusable("Tesseract could not load the traineddata for '" + language + "' from "
                        + file + ": " + problem.get());
            }
        }
        EnginePool engines = new EnginePool(catalog.folder(), settings.concurrency(), settings.idleRelease());
        String version = TesseractNatives.version();
        context.logger().log(System.Logger.Level.INFO, "tesseract {0} in process: languages {1} from {2}, {3} engine(s)",
                version, catalog.languages(), catalog.searched(), settings.concurrency());
        return Creation.ready(new TesseractProvider(settings, catalog, engines, version, context.nodeId()));
    }
}
