package dev.capfabric.bench.ocr;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Random;

/** Draws text black on white with Java2D, then rotates it or adds noise, reproducibly (fixed seeds). */
final class PageRenderer {

    private static final int MARGIN = 48;
    private static final double NOISE_SIGMA = 40;
    private static final double SPECKLE_FRACTION = 0.005;

    private PageRenderer() {
    }

    static SamplePage render(List<String> lines, String fontName, int sizePx, PageVariant variant, long seed) {
        Font font = new Font(fontName, Font.PLAIN, sizePx);
        BufferedImage page = variant == PageVariant.TWO_COLUMNS ? drawColumns(lines, font) : draw(lines, font);
        if (variant == PageVariant.PHOTO) {
            return new SamplePage(lines, fontName, sizePx, variant, jpeg(unevenLight(blur(rotate(page, 1.5))), 0.35f));
        }
        BufferedImage degraded = switch (variant) {
            case CLEAN, TWO_COLUMNS, PHOTO -> page;
            case ROTATED_PLUS_3 -> rotate(page, 3);
            case ROTATED_MINUS_3 -> rotate(page, -3);
            case ROTATED_PLUS_8 -> rotate(page, 8);
            case ROTATED_MINUS_8 -> rotate(page, -8);
            case TURNED_90 -> rotate(page, 90);
            case TURNED_180 -> rotate(page, 180);
            case TURNED_270 -> rotate(page, 270);
            case NOISY -> noisy(page, new Random(seed));
        };
        return new SamplePage(lines, fontName, sizePx, variant, png(degraded));
    }

    private static BufferedImage draw(List<String> lines, Font font) {
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D measuring = probe.createGraphics();
        FontMetrics metrics = measuring.getFontMetrics(font);
        measuring.dispose();
        int lineHeight = Math.round(metrics.getHeight() * 1.3f);
        int width = lines.stream().mapToInt(metrics::stringWidth).max().orElse(1) + 2 * MARGIN;
        int height = lines.size() * lineHeight + 2 * MARGIN;

        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
        g.setFont(font);
        int baseline = MARGIN + metrics.getAscent();
        for (String line : lines) {
            g.drawString(line, MARGIN, baseline);
            baseline += lineHeight;
        }
        g.dispose();
        return image;
    }

    /**
     * The lines as two columns side by side: the first half on the left, the rest on the right, so the
     * ground truth (all lines in order) is the reading order a reader of the page would follow.
     */
    private static BufferedImage drawColumns(List<String> lines, Font font) {
        int half = (lines.size() + 1) / 2;
        BufferedImage left = draw(lines.subList(0, half), font);
        BufferedImage right = draw(lines.subList(half, lines.size()), font);
        BufferedImage page = new BufferedImage(left.getWidth() + right.getWidth(), Math.max(left.getHeight(),
                right.getHeight()), BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = page.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, page.getWidth(), page.getHeight());
        g.drawImage(left, 0, 0, null);
        g.drawImage(right, left.getWidth(), 0, null);
        g.dispose();
        return page;
    }

    private static BufferedImage blur(BufferedImage page) {
        float ninth = 1f / 9;
        java.awt.image.ConvolveOp op = new java.awt.image.ConvolveOp(new java.awt.image.Kernel(3, 3,
                new float[] {ninth, ninth, ninth, ninth, ninth, ninth, ninth, ninth, ninth}),
                java.awt.image.ConvolveOp.EDGE_NO_OP, null);
        return op.filter(page, null);
    }

    /** Light falling off from the top left corner to 55 % in the bottom right, as under a desk lamp. */
    private static BufferedImage unevenLight(BufferedImage page) {
        BufferedImage lit = new BufferedImage(page.getWidth(), page.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster in = page.getRaster();
        WritableRaster out = lit.getRaster();
        double diagonal = page.getWidth() + page.getHeight();
        for (int y = 0; y < page.getHeight(); y++) {
            for (int x = 0; x < page.getWidth(); x++) {
                double light = 1 - 0.45 * (x + y) / diagonal;
                out.setSample(x, y, 0, (int) Math.round(in.getSample(x, y, 0) * light));
            }
        }
        return lit;
    }

    private static byte[] jpeg(BufferedImage image, float quality) {
        try {
            javax.imageio.ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
            javax.imageio.ImageWriteParam parameters = writer.getDefaultWriteParam();
            parameters.setCompressionMode(javax.imageio.ImageWriteParam.MODE_EXPLICIT);
            parameters.setCompressionQuality(quality);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (javax.imageio.stream.ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
                writer.setOutput(stream);
                writer.write(null, new javax.imageio.IIOImage(image, null, null), parameters);
            } finally {
                writer.dispose();
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static BufferedImage rotate(BufferedImage page, double degrees) {
        double radians = Math.toRadians(degrees);
        double sin = Math.abs(Math.sin(radians));
        double cos = Math.abs(Math.cos(radians));
        int width = (int) Math.ceil(page.getWidth() * cos + page.getHeight() * sin);
        int height = (int) Math.ceil(page.getHeight() * cos + page.getWidth() * sin);
        BufferedImage rotated = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = rotated.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        AffineTransform transform = new AffineTransform();
        transform.translate(width / 2.0, height / 2.0);
        transform.rotate(radians);
        transform.translate(-page.getWidth() / 2.0, -page.getHeight() / 2.0);
        g.drawImage(page, transform, null);
        g.dispose();
        return rotated;
    }

    private static BufferedImage noisy(BufferedImage page, Random random) {
        BufferedImage noisy = new BufferedImage(page.getWidth(), page.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster in = page.getRaster();
        WritableRaster out = noisy.getRaster();
        for (int y = 0; y < page.getHeight(); y++) {
            for (int x = 0; x < page.getWidth(); x++) {
                double value = in.getSample(x, y, 0) + random.nextGaussian() * NOISE_SIGMA;
                if (random.nextDouble() < SPECKLE_FRACTION) {
                    value = random.nextBoolean() ? 0 : 255;
                }
                out.setSample(x, y, 0, (int) Math.max(0, Math.min(255, Math.round(value))));
            }
        }
        return noisy;
    }

    private static byte[] png(BufferedImage image) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
