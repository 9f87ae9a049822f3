package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.plugin.ocr.document.PdfDocument;
import dev.capfabric.plugin.ocr.image.ImageFormat;
import dev.capfabric.plugin.ocr.image.ImageHeader;
import dev.capfabric.plugin.ocr.job.DocumentParts;
import dev.capfabric.plugin.ocr.job.DocumentText;
import dev.capfabric.plugin.ocr.job.OcrParameters;
import dev.capfabric.plugin.ocr.job.RecognisedText;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Health;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.JobPart;
import dev.capfabric.spi.PartResult;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.ProviderDescription;
import dev.capfabric.spi.Result;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.leptonica.PIX;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

import static java.util.Objects.requireNonNull;
import static org.bytedeco.leptonica.global.leptonica.pixDestroy;
import static org.bytedeco.leptonica.global.leptonica.pixGetHeight;
import static org.bytedeco.leptonica.global.leptonica.pixGetWidth;
import static org.bytedeco.leptonica.global.leptonica.pixReadMem;
import static org.bytedeco.leptonica.global.leptonica.pixReadMemFromMultipageTiff;

/**
 * OCR with Tesseract running in this process. Guarantees: the languages it advertises are those
 * whose traineddata it found; an image is refused by its header (format, pixel count) before any
 * decoding; each job uses an engine no other job touches meanwhile; a job abandoned during
 * recognition stops at the next text line; engines start with the jobs that need them.
 */
final class TesseractProvider implements CapabilityProvider {

    private final TesseractSettings settings;
    private final TessdataCatalog catalog;
    private final EnginePool engines;
    private final String version;
    private final PageReader reader;
    private final String node;
    /** Why the default language cannot be loaded, once a job found out. */
    private volatile String broken;

    TesseractProvider(TesseractSettings settings, TessdataCatalog catalog, EnginePool engines, String version,
                      String node) {
        this.settings = requireNonNull(settings, "settings is null");
        this.catalog = requireNonNull(catalog, "catalog is null");
        this.engines = requireNonNull(engines, "engines is null");
        this.version = requireNonNull(version, "version is null");
        this.node = requireNonNull(node, "node is null");
        this.reader = new PageReader(new PagePreparation(settings.normalizeBackground(), settings.deskew()),
                settings.orientation() && catalog.hasOsd());
    }

    @Override
    public ProviderDescription describe() {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("engine", "tesseract " + version);
        extra.put("default-language", settings.defaultLanguage());
        extra.put("max-pixels", settings.limits().maxPixels());
        extra.put("page-segmentation-modes", catalog.hasOsd() ? "1, 3-13" : "3-13");
        extra.put("default-page-segmentation-mode", settings.defaultPageSegmentation());
        extra.put("tessdata", catalog.folder().toString());
        extra.put("normalize-background", settings.normalizeBackground());
        extra.put("deskew", settings.deskew());
        extra.put("max-pages", settings.documents().maxPages());
        extra.put("pdf-dpi", settings.documents().dpi());
        extra.put("orientation", settings.orientation() && catalog.hasOsd());
        return ProviderDescription.builder()
                .languages(catalog.languages())
                .accepts(accepted())
                .produces(List.of(Payload.JSON))
                .maxInputBytes(settings.limits().maxBytes())
                .concurrency(engines.size())
                .artifacts(catalog.artifacts())
                .extra(extra)
                .build();
    }

    @Override
    public Health health() {
        String reason = broken;
        if (reason != null) {
            return Health.down(reason);
        }
        return Health.ok("tesseract " + version + " in process, " + engines.started() + " of " + engines.size()
                + " engines started, languages " + catalog.languages());
    }

    @Override
    public Result handle(Job job) throws CapabilityException {
        if (job.abandoned()) {
            throw CapabilityException.timeout("the job was abandoned before recognition started");
        }
        OcrParameters parameters = OcrParameters.from(job);
        String language = parameters.language().orElse(settings.defaultLanguage());
        Optional<String> missing = catalog.firstMissing(language);
        if (missing.isPresent()) {
            throw CapabilityException.unprocessable("language '" + missing.get()
                    + "' is not installed on this node; installed: " + String.join(", ", catalog.languages()));
        }
        int pageSegmentation = PageSegmentation.choose(parameters.psm(), settings.defaultPageSegmentation(),
                catalog.hasOsd());
        if (PdfDocument.isPdf(job.input().bytes())) {
            return readPdf(job, language, pageSegmentation);
        }
        ImageHeader header = settings.limits().check(job.input());
        if (header.format() == ImageFormat.TIFF) {
            return readTiff(job, language, pageSegmentation);
        }
        PIX decoded = LeptonicaDecoder.decode(job.input().bytes(), header, settings.limits());
        TesseractEngine engine;
        try {
            engine = borrow(language, job);
        } catch (CapabilityException | RuntimeException e) {
            pixDestroy(decoded);
            throw e;
        }
        try {
            return read(engine, decoded, pageSegmentation, job).toResult(node);
        } finally {
            engines.giveBack(engine);
        }
    }

    /**
     * A PDF or multi-page TIFF of two or more pages, one part per page, for the fleet to read side by side
     * ({@link PageSplitter}); a PDF whose every page has a trusted text layer is read whole here, at once.
     */
    @Override
    public List<JobPart> split(Job job) throws CapabilityException {
        OcrParameters.from(job); // malformed parameters are refused once, not by every page
        return new PageSplitter(settings.limits(), settings.documents()).split(job);
    }

    /** The pages read on several nodes, as one document's answer, each page naming the node that read it. */
    @Override
    public Result merge(Job job, List<PartResult> parts) throws CapabilityException {
        String language = OcrParameters.from(job).language().orElse(settings.defaultLanguage());
        return DocumentParts.merge(parts, TesseractFactory.ID, Optional.of(language));
    }

    /** Reads one decoded page, taking it over: it is released before this returns. */
    private RecognisedText read(TesseractEngine engine, PIX decoded, int pageSegmentation, Job job)
            throws CapabilityException {
        PageReader.Reading reading = reader.read(engine, decoded, pageSegmentation, job);
        TesseractEngine.Page read = reading.page();
        return new RecognisedText(read.text(), OptionalDouble.of(read.confidence()), read.lines(),
                read.words(), TesseractFactory.ID, Optional.of(engine.language()), Optional.empty(), read.markdown(),
                Optional.of(new RecognisedText.PageGeometry(reading.skewDegrees(), reading.rotationDegrees())));
    }

    /**
     * Reads a PDF page by page: a page's own text layer where it can be trusted, else the page rendered
     * and read like an image. One engine reads every page that needs it.
     */
    private Result readPdf(Job job, String language, int pageSegmentation) throws CapabilityException {
        if (job.input().size() > settings.limits().maxBytes()) {
            throw CapabilityException.tooLarge("the PDF is " + job.input().size() + " bytes; at most "
                    + settings.limits().maxBytes() + " are accepted");
        }
        List<DocumentText.Page> pages = new ArrayList<>();
        TesseractEngine engine = null;
        try (PdfDocument pdf = PdfDocument.open(job.input().bytes(), settings.documents())) {
            for (int index = 0; index < pdf.pageCount(); index++) {
                if (job.abandoned()) {
                    throw CapabilityException.timeout("reading stopped at page " + (index + 1) + " of " + pdf.pageCount()
                            + ": the job's deadline passed or it was cancelled");
                }
                Optional<String> textLayer = pdf.textLayer(index);
                if (textLayer.isPresent()) {
                    pages.add(handOver(job, DocumentText.Page.fromTextLayer(index, textLayer.get(), node), pdf.pageCount()));
                    continue;
                }
                if (engine == null) {
                    engine = borrow(language, job);
                }
                byte[] rendered = pdf.render(index).pgm();
                PIX decoded = pixReadMem(rendered, rendered.length);
                if (decoded == null || decoded.isNull()) {
                    throw CapabilityException.unprocessable("page " + (index + 1) + " of the PDF was rendered but Leptonica could not take it");
                }
                RecognisedText read = read(engine, decoded, pageSegmentation, job);
                pages.add(handOver(job, new DocumentText.Page(index, read.text(), read.markdown(), "ocr", node, read.confidence(),
                        read.geometry()), pdf.pageCount()));
            }
        } finally {
            if (engine != null) {
                engines.giveBack(engine);
            }
        }
        return new DocumentText(pages, TesseractFactory.ID, Optional.of(language)).toResult();
    }

    /** A followed job hears each page of a document as soon as it is read (page by page, in order). */
    private static DocumentText.Page handOver(Job job, DocumentText.Page page, int pageCount) {
        if (job.streaming() && pageCount > 1) {
            job.partial(page.toPiece());
            job.progress((page.index() + 1) / (double) pageCount, "read page " + (page.index() + 1) + " of " + pageCount);
        }
        return page;
    }

    /**
     * Reads every page of a TIFF (whose directories the header check has bounded, each one): one page
     * answers as any image, several as a document.
     */
    private Result readTiff(Job job, String language, int pageSegmentation) throws CapabilityException {
        byte[] tiff = job.input().bytes();
        List<RecognisedText> pages = new ArrayList<>();
        TesseractEngine engine = borrow(language, job);
        try (BytePointer data = new BytePointer(tiff); SizeTPointer offset = new SizeTPointer(1)) {
            offset.put(0L);
            do {
                if (pages.size() >= settings.documents().maxPages()) {
                    throw CapabilityException.tooLarge("the TIFF has more than " + settings.documents().maxPages()
                            + " pages; at most that many are read in one job");
                }
                if (job.abandoned()) {
                    throw CapabilityException.timeout("reading stopped at page " + (pages.size() + 1)
                            + " of the TIFF: the job's deadline passed or it was cancelled");
                }
                PIX page = pixReadMemFromMultipageTiff(data, tiff.length, offset);
                if (page == null || page.isNull()) {
                    throw CapabilityException.badInput("page " + (pages.size() + 1)
                            + " of the TIFF could not be decoded: its data is corrupt or truncated");
                }
                long pixels = (long) pixGetWidth(page) * pixGetHeight(page);
                if (pixels > settings.limits().maxPixels()) {
                    pixDestroy(page);
                    throw CapabilityException.tooLarge("page " + (pages.size() + 1) + " of the TIFF has " + pixels
                            + " pixels; at most " + settings.limits().maxPixels() + " are accepted");
                }
                pages.add(read(engine, page, pageSegmentation, job));
            } while (offset.get() != 0);
        } finally {
            engines.giveBack(engine);
        }
        if (pages.size() == 1) {
            return pages.getFirst().toResult(node);
        }
        List<DocumentText.Page> document = new ArrayList<>();
        for (RecognisedText page : pages) {
            document.add(new DocumentText.Page(document.size(), page.text(), page.markdown(), "ocr", node,
                    page.confidence(), page.geometry()));
        }
        return new DocumentText(document, TesseractFactory.ID, Optional.of(language)).toResult();
    }

    private static List<String> accepted() {
        List<String> types = new ArrayList<>(ImageFormat.mediaTypes());
        types.add("application/pdf");
        return List.copyOf(types);
    }

    /**
     * An engine with {@code language} loaded. The default language failing to load means the provider
     * cannot do what it offers: the job gets {@code UNAVAILABLE} and the provider reports itself down.
     */
    private TesseractEngine borrow(String language, Job job) throws CapabilityException {
        boolean defaultLanguage = language.equals(settings.defaultLanguage());
        String reason = broken;
        if (defaultLanguage && reason != null) {
            throw CapabilityException.unavailable(reason);
        }
        try {
            return engines.borrow(language, job.timeLeft());
        } catch (CapabilityException e) {
            if (defaultLanguage && e.kind() == CapabilityException.Kind.UNPROCESSABLE) {
                broken = "the default language's model failed to load: " + e.getMessage();
                throw CapabilityException.unavailable(broken);
            }
            throw e;
        }
    }

    @Override
    public void close() {
        engines.close();
    }
}
