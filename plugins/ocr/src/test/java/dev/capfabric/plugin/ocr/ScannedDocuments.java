package dev.capfabric.plugin.ocr;

import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.pdfbox.pdmodel.graphics.image.JPEGFactory;
import org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Documents for reading across a fleet: PDFs of scanned pages (no text layer; each page turned a few
 * degrees and speckled, as a scanner leaves it) and PDFs with a text layer, with the text each page
 * holds. Deterministic: the same arguments give the same bytes. Used by the fleet tests and the bench.
 */
public final class ScannedDocuments {

    /** What a scanned page prints at: the renderer reads it back 1:1 at this resolution. */
    public static final int SCAN_DPI = 200;

    private static final List<String> SENTENCES = List.of(
            "The quick brown fox jumps over the lazy dog",
            "Pack my box with five dozen liquor jugs",
            "How vexingly quick daft zebras jump",
            "Sphinx of black quartz, judge my vow",
            "Jackdaws love my big sphinx of quartz",
            "The five boxing wizards jump quickly",
            "Bright vixens jump; dozy fowl quack",
            "Quick wafting zephyrs vex bold Jim");

    private ScannedDocuments() {
    }

    /** The lines of page {@code index} (from 0): its number first, so a page out of place shows. */
    public static List<String> lines(int index) {
        List<String> lines = new ArrayList<>();
        lines.add("Page " + (index + 1) + " of the fleet document");
        for (int i = 0; i < 3; i++) {
            lines.add(SENTENCES.get((index * 3 + i) % SENTENCES.size()));
        }
        return lines;
    }

    /** The text of page {@code index}, words separated by single spaces. */
    public static String text(int index) {
        return String.join(" ", lines(index));
    }

    /**
     * A PDF of {@code pages} scanned pages without a text layer: page {@code i} holds {@link #lines(int)},
     * turned by 1.5° to 3° either way and speckled, embedded as JPEG at {@link #SCAN_DPI}.
     */
    public static byte[] scanned(int pages, long seed) {
        Random random = new Random(seed);
        return pdf(document -> {
            for (int i = 0; i < pages; i++) {
                double degrees = (random.nextBoolean() ? 1 : -1) * (1.5 + random.nextDouble() * 1.5);
                BufferedImage scan = speckled(TextImages.rotate(TextImages.render(lines(i), TextImages.SERIF_32), degrees), random);
                addImagePage(document, scan);
            }
        });
    }

    /** A PDF of {@code pages} pages whose text is in their text layer (Helvetica), holding {@link #lines(int)}. */
    public static byte[] withTextLayer(int pages) {
        return pdf(document -> {
            for (int i = 0; i < pages; i++) {
                addTextPage(document, lines(i));
            }
        });
    }

    /** A PDF of scanned pages whose page {@code thin} (from 0) is too long and thin to be drawn: no node can read it. */
    public static byte[] withUnreadablePage(int pages, int thin) {
        Random random = new Random(7);
        return pdf(document -> {
            for (int i = 0; i < pages; i++) {
                if (i == thin) {
                    document.addPage(new PDPage(new PDRectangle(100_000, 0.01f)));
                } else {
                    addImagePage(document, speckled(TextImages.render(lines(i), TextImages.SERIF_32), random));
                }
            }
        });
    }

    private static void addImagePage(PDDocument document, BufferedImage scan) throws IOException {
        // JPEG, as scanners and phones store pages: a 100-page document stays a few megabytes
        PDImageXObject image = JPEGFactory.createFromImage(document, scan, 0.85f);
        PDPage page = new PDPage(new PDRectangle(scan.getWidth() * 72f / SCAN_DPI, scan.getHeight() * 72f / SCAN_DPI));
        document.addPage(page);
        try (PDPageContentStream content = new PDPageContentStream(document, page)) {
            content.drawImage(image, 0, 0, page.getMediaBox().getWidth(), page.getMediaBox().getHeight());
        }
    }

    private static void addTextPage(PDDocument document, List<String> lines) throws IOException {
        PDPage page = new PDPage(PDRectangle.A5);
        document.addPage(page);
        try (PDPageContentStream content = new PDPageContentStream(document, page)) {
            content.beginText();
            content.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 11);
            content.newLineAtOffset(36, 540);
            for (String line : lines) {
                content.showText(line);
                content.newLineAtOffset(0, -16);
            }
            content.endText();
        }
    }

    /** Grey paper with grain and a few dark specks, in 8-bit grey as a scanner gives it. */
    private static BufferedImage speckled(BufferedImage page, Random random) {
        BufferedImage grey = new BufferedImage(page.getWidth(), page.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < page.getHeight(); y++) {
            for (int x = 0; x < page.getWidth(); x++) {
                int value = page.getRGB(x, y) & 0xFF;
                int grain = (int) (random.nextGaussian() * 10);
                if (random.nextInt(4000) == 0) {
                    value = 40; // a speck of dust
                }
                int noisy = Math.max(0, Math.min(255, Math.min(value, 235) + grain));
                grey.getRaster().setSample(x, y, 0, noisy);
            }
        }
        return grey;
    }

    /** Character error rate of {@code read} against {@code truth}, whitespace runs counted as one space. */
    public static double characterErrorRate(String truth, String read) {
        String a = truth.strip().replaceAll("\\s+", " ");
        String b = read.strip().replaceAll("\\s+", " ");
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return a.isEmpty() ? (b.isEmpty() ? 0 : 1) : (double) previous[b.length()] / a.length();
    }

    private interface DocumentWriter {
        void write(PDDocument document) throws IOException;
    }

    private static byte[] pdf(DocumentWriter writer) {
        try (PDDocument document = new PDDocument()) {
            writer.write(document);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            document.save(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
