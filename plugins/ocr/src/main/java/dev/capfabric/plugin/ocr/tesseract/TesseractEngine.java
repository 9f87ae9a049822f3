package dev.capfabric.plugin.ocr.tesseract;

import dev.capfabric.plugin.ocr.job.Box;
import dev.capfabric.plugin.ocr.job.TextSpan;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Job;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.leptonica.PIX;
import org.bytedeco.tesseract.ETEXT_DESC;
import org.bytedeco.tesseract.ResultIterator;
import org.bytedeco.tesseract.TessBaseAPI;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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

    /** What a recognition yields before it is labelled with provider and language. */
    record Page(String text, double confidence, List<TextSpan> lines, List<TextSpan> words) {
    }

    private final TessBaseAPI api = new TessBaseAPI();
    private final ETEXT_DESC monitor = new ETEXT_DESC();
    private final String dataPath;
    private final RecognitionWatch watch;
    private String language;

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
            return new Page(text, confidence, spans(RIL_TEXTLINE), spans(RIL_WORD));
        } finally {
            api.Clear();
        }
    }

    private List<TextSpan> spans(int level) {
        List<TextSpan> spans = new ArrayList<>();
        ResultIterator iterator = api.GetIterator();
        if (iterator == null || iterator.isNull()) {
            return spans;
        }
        try {
            int[] left = new int[1];
            int[] top = new int[1];
            int[] right = new int[1];
            int[] bottom = new int[1];
            do {
                if (iterator.Empty(level)) {
                    continue;
                }
                String text = take(iterator.GetUTF8Text(level)).strip();
                if (text.isEmpty() || !iterator.BoundingBox(level, left, top, right, bottom)) {
                    continue;
                }
                Box box = new Box(left[0], top[0], right[0] - left[0], bottom[0] - top[0]);
                spans.add(TextSpan.located(text, Math.round(iterator.Confidence(level) * 10) / 1000.0, box));
            } while (iterator.Next(level));
        } finally {
            TessResultIteratorDelete(iterator);
        }
        return spans;
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
        api.End();
        api.close();
        monitor.close();
    }
}
