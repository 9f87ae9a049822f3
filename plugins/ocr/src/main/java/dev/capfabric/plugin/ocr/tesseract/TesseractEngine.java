package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.plugin.ocr.job.Box;
import dev.capfabric.plugin.ocr.job.TextSpan;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Job;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.leptonica.PIX;
import org.bytedeco.tesseract.ETEXT_DESC;
import org.bytedeco.tesseract.ResultIterator;
import org.bytedeco.tesseract.TessBaseAPI;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.bytedeco.tesseract.global.tesseract.OEM_TESSERACT_ONLY;
import static org.bytedeco.tesseract.global.tesseract.PSM_OSD_ONLY;
import static org.bytedeco.tesseract.global.tesseract.RIL_PARA;
import static org.bytedeco.tesseract.global.tesseract.RIL_TEXTLINE;
import static org.bytedeco.tesseract.global.tesseract.RIL_WORD;
import static org.bytedeco.tesseract.global.tesseract.TessDeleteText;
import static org.bytedeco.tesseract.global.tesseract.TessResultIteratorDelete;

/**
 * One Tesseract instance. Not thread-safe, like the {@code TessBaseAPI} it wraps: the
 * {@link EnginePool} lends it to one job at a time. It keeps the language it was last initialised
 * with, so a job in the same language reuses the loaded model.
 */
final class TesseractEngine implements AutoCloseable {

    /**
     * What a recognition yields before it is labelled with provider and language. {@code textTurn} is
     * the clockwise turn (0 or 90) Tesseract's layout analysis read the text at: it reads vertical text
     * lines as text turned a quarter clockwise on its own; text upside down or turned the other way needs
     * orientation detection.
     */
    record Page(String text, double confidence, List<TextSpan> lines, List<TextSpan> words, String markdown,
                int textTurn) {
    }

    /**
     * Below this, Tesseract's own orientation confidence is a guess: a page with little text, or
     * text turned by a few degrees only, scores under 1; a page clearly turned scores well above 2.
     */
    private static final float MIN_ORIENTATION_CONFIDENCE = 2f;

    private final TessBaseAPI api = new TessBaseAPI();
    private final ETEXT_DESC monitor = new ETEXT_DESC();
    private final String dataPath;
    private final RecognitionWatch watch;
    private String language;
    /** Tesseract's orientation detector (legacy engine, osd.traineddata), started with the first page that asks. */
    private TessBaseAPI osd;
    private boolean osdFailed;

    TesseractEngine(Path tessdata, RecognitionWatch watch) {
        this.dataPath = tessdata.toString();
        this.watch = watch;
        monitor.cancel(watch);
        // Tesseract prints warnings such as "Estimating resolution" through tprintf; a server has no use for them
        api.SetVariable("debug_file", File.separatorChar == '\\' ? "NUL" : "/dev/null");
    }

    /** The language this engine holds loaded, or null before the first successful load. */
    String language() {
        return language;
    }

    /**
     * Loads {@code languages} (codes joined by {@code +}) unless they are already loaded.
     *
     * @throws CapabilityException {@code UNPROCESSABLE} when Tesseract cannot load them (a corrupt
     *                             or incompatible traineddata file)
     */
    void load(String languages) throws CapabilityException {
        if (languages.equals(language)) {
            return;
        }
        language = null;
        if (api.Init(dataPath, languages) != 0) {
            throw CapabilityException.unprocessable("Tesseract could not load the traineddata for '" + languages
                    + "' from " + dataPath + " (corrupt, or made for an incompatible Tesseract version)");
        }
        language = languages;
    }

    /**
     * The clockwise rotation (0, 90, 180 or 270 degrees) that Tesseract's orientation and script
     * detection finds the text of {@code image} turned by, or 0 when it is unsure or cannot run
     * (no osd.traineddata).
     */
    int textRotation(PIX image) {
        if (osd == null) {
            if (osdFailed) {
                return 0;
            }
            TessBaseAPI detector = new TessBaseAPI();
            detector.SetVariable("debug_file", File.separatorChar == '\\' ? "NUL" : "/dev/null");
            if (detector.Init(dataPath, "osd", OEM_TESSERACT_ONLY) != 0) {
                detector.close();
                osdFailed = true;
                return 0;
            }
            detector.SetPageSegMode(PSM_OSD_ONLY);
            osd = detector;
        }
        try (IntPointer degrees = new IntPointer(1);
             FloatPointer confidence = new FloatPointer(1);
             PointerPointer<?> script = new PointerPointer<>(1);
             FloatPointer scriptConfidence = new FloatPointer(1)) {
            osd.SetImage(image);
            if (!osd.DetectOrientationScript(degrees, confidence, script, scriptConfidence)
                    || confidence.get() < MIN_ORIENTATION_CONFIDENCE) {
                return 0;
            }
            return Math.floorMod(degrees.get(), 360);
        } finally {
            osd.Clear();
        }
    }

    /**
     * Recognises the text of {@code image} with the loaded language.
     *
     * @throws CapabilityException {@code TIMEOUT} when the job was abandoned during recognition
     */
    Page recognise(PIX image, int pageSegmentation, Job job) throws CapabilityException {
        try {
            api.SetPageSegMode(pageSegmentation);
            api.SetImage(image);
            monitor.set_deadline_msecs((int) Math.min(Integer.MAX_VALUE, Math.max(1, job.timeLeft().toMillis())));
            watch.watch(job);
            int status;
            try {
                status = api.Recognize(monitor);
            } finally {
                watch.stop();
            }
            if (job.abandoned()) {
                throw CapabilityException.timeout("recognition stopped: the job's deadline passed or it was cancelled");
            }
            if (status != 0) {
                throw CapabilityException.unprocessable("Tesseract could not recognise this image (status " + status + ")");
            }
            String text = take(api.GetUTF8Text()).strip();
            double confidence = text.isEmpty() ? 0 : api.MeanTextConf() / 100.0;
            List<ColumnOrder.Word> words = words();
            List<TextSpan> lines = spans(RIL_TEXTLINE);
            int textTurn = textTurn(lines);
            if (textTurn == 0) {
                Optional<ColumnOrder.Columns> columns = ColumnOrder.of(words);
                if (columns.isPresent()) {
                    ColumnOrder.Columns page = columns.get();
                    return new Page(page.text(), confidence, page.lines(), page.words(), page.markdown(), textTurn);
                }
            }
            return new Page(text, confidence, lines, words.stream().map(ColumnOrder.Word::span).toList(), markdown(),
                    textTurn);
        } finally {
            api.Clear();
        }
    }

    /**
     * The recognised text as Markdown: Tesseract's paragraphs in its reading order (block by block, so
     * column by column where its layout analysis found the columns; {@link ColumnOrder} mends a page it
     * read across them), each paragraph's lines joined into one, paragraphs separated by a blank line.
     */
    private String markdown() {
        StringBuilder markdown = new StringBuilder();
        for (TextSpan paragraph : spans(RIL_PARA)) {
            if (!markdown.isEmpty()) {
                markdown.append("\n\n");
            }
            markdown.append(paragraph.text().replaceAll("\\s*\n\\s*", " "));
        }
        return markdown.toString();
    }

    /**
     * 90 when most text lines Tesseract read (of three characters or more) run down the page, else 0:
     * its layout analysis reads vertical lines as text turned a quarter clockwise (its result iterator's
     * block orientation says nothing of it), and boxes lines in the image as sent.
     */
    private static int textTurn(List<TextSpan> lines) {
        int vertical = 0;
        int horizontal = 0;
        for (TextSpan line : lines) {
            Box box = line.box().orElseThrow();
            if (line.text().length() >= 3) {
                if (box.h() > 2 * box.w()) {
                    vertical++;
                } else {
                    horizontal++;
                }
            }
        }
        return vertical > horizontal ? 90 : 0;
    }

    /** The words in Tesseract's reading order, each with the index of its text line. */
    private List<ColumnOrder.Word> words() {
        List<ColumnOrder.Word> words = new ArrayList<>();
        visit(RIL_WORD, (span, line) -> words.add(new ColumnOrder.Word(span, line)));
        return words;
    }

    private List<TextSpan> spans(int level) {
        List<TextSpan> spans = new ArrayList<>();
        visit(level, (span, line) -> spans.add(span));
        return spans;
    }

    /** Receives a span of the result and the index of the text line it is in (or starts). */
    @FunctionalInterface
    private interface SpanVisitor {
        void visit(TextSpan span, int line);
    }

    /** Walks the result at {@code level} in Tesseract's reading order, skipping empty spans. */
    private void visit(int level, SpanVisitor visitor) {
        ResultIterator iterator = api.GetIterator();
        if (iterator == null || iterator.isNull()) {
            return;
        }
        try {
            int[] left = new int[1];
            int[] top = new int[1];
            int[] right = new int[1];
            int[] bottom = new int[1];
            int line = -1;
            do {
                if (line < 0 || iterator.IsAtBeginningOf(RIL_TEXTLINE)) {
                    line++;
                }
                if (iterator.Empty(level)) {
                    continue;
                }
                String text = take(iterator.GetUTF8Text(level)).strip();
                if (text.isEmpty() || !iterator.BoundingBox(level, left, top, right, bottom)) {
                    continue;
                }
                Box box = new Box(left[0], top[0], right[0] - left[0], bottom[0] - top[0]);
                visitor.visit(TextSpan.located(text, Math.round(iterator.Confidence(level) * 10) / 1000.0, box), line);
            } while (iterator.Next(level));
        } finally {
            TessResultIteratorDelete(iterator);
        }
    }

    /** Copies a string Tesseract allocated and frees it. */
    private static String take(BytePointer text) {
        if (text == null || text.isNull()) {
            return "";
        }
        try {
            return text.getString(java.nio.charset.StandardCharsets.UTF_8);
        } finally {
            TessDeleteText(text);
        }
    }

    @Override
    public void close() {
        if (osd != null) {
            osd.End();
            osd.close();
        }
        api.End();
        api.close();
        monitor.close();
    }
}
