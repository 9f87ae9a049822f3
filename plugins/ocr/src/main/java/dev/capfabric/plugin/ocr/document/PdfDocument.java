package dev.capfabric.plugin.ocr.document;

import dev.capfabric.spi.CapabilityException;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.multipdf.Splitter;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.encryption.InvalidPasswordException;
import org.apache.pdfbox.rendering.ImageType;
import org.apache.pdfbox.rendering.PDFRenderer;
import org.apache.pdfbox.text.PDFTextStripper;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * A PDF opened with Apache PDFBox, page by page: the text of a page whose text layer can be trusted,
 * or the page rendered in grey for OCR. Not thread-safe; one job reads one document.
 */
public final class PdfDocument implements AutoCloseable {

    private static final byte[] MAGIC = "%PDF-".getBytes(StandardCharsets.US_ASCII);
    /** The PDF specification lets the header start anywhere in the first 1024 bytes. */
    private static final int HEADER_WINDOW = 1024;
    /** A text layer with fewer letters or digits than this on a page says nothing about the page's text. */
    private static final int MIN_TEXT_LAYER_CHARACTERS = 16;
    /** Below this share of ordinary characters a text layer is mojibake from a font without a usable encoding. */
    private static final double MIN_PLAIN_SHARE = 0.9;

    private final PDDocument document;
    private final PDFRenderer renderer;
    private final DocumentLimits limits;

    private PdfDocument(PDDocument document, DocumentLimits limits) {
        this.document = document;
        this.renderer = new PDFRenderer(document);
        this.limits = limits;
    }

    /** Whether {@code bytes} are a PDF, by its header. */
    public static boolean isPdf(byte[] bytes) {
        int end = Math.min(bytes.length, HEADER_WINDOW) - MAGIC.length;
        for (int start = 0; start <= end; start++) {
            if (java.util.Arrays.equals(bytes, start, start + MAGIC.length, MAGIC, 0, MAGIC.length)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Opens a PDF.
     *
     * @throws CapabilityException {@code BAD_INPUT} for a damaged or encrypted PDF, {@code TOO_LARGE}
     *                             above the page limit
     */
    public static PdfDocument open(byte[] pdf, DocumentLimits limits) throws CapabilityException {
        PDDocument document;
        try {
            document = Loader.loadPDF(pdf);
        } catch (InvalidPasswordException encrypted) {
            throw CapabilityException.badInput("the PDF is encrypted with a password; send it decrypted");
        } catch (IOException | RuntimeException damaged) {
            throw CapabilityException.badInput("the PDF could not be read: " + describe(damaged));
        }
        try {
            if (document.isEncrypted() && !document.getCurrentAccessPermission().canExtractContent()) {
                throw CapabilityException.badInput("the PDF is encrypted and forbids extracting its content");
            }
            int pages = document.getNumberOfPages();
            if (pages == 0) {
                throw CapabilityException.badInput("the PDF has no pages");
            }
            if (pages > limits.maxPages()) {
                throw CapabilityException.tooLarge("the PDF has " + pages + " pages; at most " + limits.maxPages()
                        + " are read in one job");
            }
            return new PdfDocument(document, limits);
        } catch (CapabilityException | RuntimeException e) {
            closeQuietly(document);
            throw e;
        }
    }

    public int pageCount() {
        return document.getNumberOfPages();
    }

    /**
     * The text of page {@code index} (from 0) from its text layer, when it has one worth trusting:
     * enough letters and digits, and mostly ordinary characters rather than unmapped glyphs.
     */
    public Optional<String> textLayer(int index) throws CapabilityException {
        String text;
        try {
            PDFTextStripper stripper = new PDFTextStripper();
            stripper.setSortByPosition(true);
            stripper.setStartPage(index + 1);
            stripper.setEndPage(index + 1);
            text = stripper.getText(document).strip();
        } catch (IOException | RuntimeException damaged) {
            return Optional.empty(); // the page may still render; OCR decides
        }
        long letters = text.codePoints().filter(Character::isLetterOrDigit).count();
        long plain = text.codePoints().filter(c -> c != 0xFFFD && (Character.isLetterOrDigit(c)
                || Character.isWhitespace(c) || isPunctuation(c))).count();
        if (letters < MIN_TEXT_LAYER_CHARACTERS || plain < MIN_PLAIN_SHARE * text.codePointCount(0, text.length())) {
            return Optional.empty();
        }
        return Optional.of(text);
    }

    /**
     * Page {@code index} rendered in 8-bit grey at the configured resolution, lowered as far as needed
     * to stay within the pixel limit (a page declaring a huge media box costs no more than a large one).
     *
     * @throws CapabilityException {@code BAD_INPUT} when the page cannot be drawn
     */
    public Rendered render(int index) throws CapabilityException {
        PDPage page = document.getPage(index);
        PDRectangle box = page.getCropBox();
        double widthInches = Math.abs(box.getWidth()) / 72.0;
        double heightInches = Math.abs(box.getHeight()) / 72.0;
        if (!(widthInches > 0) || !(heightInches > 0) || !Double.isFinite(widthInches * heightInches)) {
            throw CapabilityException.badInput("page " + (index + 1) + " of the PDF has no usable size");
        }
        double dpi = limits.dpi();
        double pixels = widthInches * heightInches * dpi * dpi;
        if (pixels > limits.maxPixels()) {
            dpi = Math.sqrt(limits.maxPixels() / (widthInches * heightInches));
        }
        if (widthInches * dpi < 1 || heightInches * dpi < 1) {
            throw CapabilityException.badInput(String.format(Locale.ROOT,
                    "page %d of the PDF is %.0f x %.0f points: too long and thin to render", index + 1,
                    box.getWidth(), box.getHeight()));
        }
        try {
            BufferedImage image = renderer.renderImageWithDPI(index, (float) dpi, ImageType.GRAY);
            return new Rendered(image, (int) Math.round(dpi));
        } catch (IOException | RuntimeException damaged) {
            throw CapabilityException.badInput("page " + (index + 1) + " of the PDF could not be drawn: " + describe(damaged));
        }
    }

    /**
     * Whether some page has no text layer worth trusting (see {@link #textLayer}), so that reading the
     * document means OCR.
     */
    public boolean needsOcr() throws CapabilityException {
        for (int index = 0; index < pageCount(); index++) {
            if (textLayer(index).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Each page as a PDF of its own, in order, with the resources it uses (fonts, images): what a node
     * given one page reads as it would read the whole document's.
     *
     * @throws CapabilityException {@code BAD_INPUT} when a page cannot be written out on its own
     */
    public List<byte[]> pagesApart() throws CapabilityException {
        List<PDDocument> singles;
        try {
            singles = new Splitter().split(document);
        } catch (IOException | RuntimeException damaged) {
            throw CapabilityException.badInput("the PDF's pages could not be taken apart: " + describe(damaged));
        }
        List<byte[]> pages = new ArrayList<>(singles.size());
        try {
            for (PDDocument single : singles) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                single.save(out);
                pages.add(out.toByteArray());
            }
        } catch (IOException | RuntimeException damaged) {
            throw CapabilityException.badInput("page " + (pages.size() + 1) + " of the PDF could not be written on its own: "
                    + describe(damaged));
        } finally {
            singles.forEach(PdfDocument::closeQuietly);
        }
        return pages;
    }

    /** A rendered page and the resolution it was drawn at. */
    public record Rendered(BufferedImage image, int dpi) {

        /** The page as a binary PGM (P5) image: what Leptonica reads without a codec in the way. */
        public byte[] pgm() {
            byte[] gray = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
            byte[] header = ("P5\n" + image.getWidth() + " " + image.getHeight() + "\n255\n").getBytes(StandardCharsets.US_ASCII);
            byte[] pgm = new byte[header.length + image.getWidth() * image.getHeight()];
            System.arraycopy(header, 0, pgm, 0, header.length);
            int stride = image.getRaster().getSampleModel() instanceof java.awt.image.ComponentSampleModel model
                    ? model.getScanlineStride() : image.getWidth();
            for (int y = 0; y < image.getHeight(); y++) {
                System.arraycopy(gray, y * stride, pgm, header.length + y * image.getWidth(), image.getWidth());
            }
            return pgm;
        }
    }

    private static boolean isPunctuation(int c) {
        int type = Character.getType(c);
        return type == Character.OTHER_PUNCTUATION || type == Character.DASH_PUNCTUATION
                || type == Character.START_PUNCTUATION || type == Character.END_PUNCTUATION
                || type == Character.CONNECTOR_PUNCTUATION || type == Character.INITIAL_QUOTE_PUNCTUATION
                || type == Character.FINAL_QUOTE_PUNCTUATION || type == Character.MATH_SYMBOL
                || type == Character.CURRENCY_SYMBOL || type == Character.MODIFIER_SYMBOL
                || type == Character.OTHER_SYMBOL;
    }

    private static String describe(Exception e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    private static void closeQuietly(PDDocument document) {
        try {
            document.close();
        } catch (IOException ignored) {
            // nothing more can be done about a document that fails to close
        }
    }

    @Override
    public void close() {
        closeQuietly(document);
    }
}
