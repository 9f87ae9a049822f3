package dev.capfabric.plugin.ocr;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** Renders lines of text with Java2D, black on white, and encodes them with ImageIO. */
public final class TextImages {

    public static final Font SERIF_32 = new Font(Font.SERIF, Font.PLAIN, 32);

    private TextImages() {
    }

    public static BufferedImage render(List<String> lines, Font font) {
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D measuring = probe.createGraphics();
        FontMetrics metrics = measuring.getFontMetrics(font);
        int width = lines.stream().mapToInt(metrics::stringWidth).max().orElse(1) + 2 * 40;
        int lineHeight = metrics.getHeight() + font.getSize() / 3;
        int height = lines.size() * lineHeight + 2 * 40;
        measuring.dispose();

        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(font);
        int y = 40 + metrics.getAscent();
        for (String line : lines) {
            g.drawString(line, 40, y);
            y += lineHeight;
        }
        g.dispose();
        return image;
    }

    /** Encodes with the ImageIO writer named {@code format} ({@code png}, {@code jpeg}, {@code tiff}, {@code bmp}). */
    public static byte[] encode(BufferedImage image, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Turns {@code image} by {@code degrees} about its centre, on a white canvas large enough to hold it. */
    public static BufferedImage rotate(BufferedImage image, double degrees) {
        double radians = Math.toRadians(degrees);
        double sin = Math.abs(Math.sin(radians));
        double cos = Math.abs(Math.cos(radians));
        int width = (int) Math.ceil(image.getWidth() * cos + image.getHeight() * sin);
        int height = (int) Math.ceil(image.getHeight() * cos + image.getWidth() * sin);
        BufferedImage rotated = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rotated.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.translate(width / 2.0, height / 2.0);
        g.rotate(radians);
        g.translate(-image.getWidth() / 2.0, -image.getHeight() / 2.0);
        g.drawImage(image, 0, 0, null);
        g.dispose();
        return rotated;
    }

    /** The pages side by side, top-aligned, on white: columns of one page. */
    public static BufferedImage sideBySide(BufferedImage... columns) {
        int width = 0;
        int height = 0;
        for (BufferedImage column : columns) {
            width += column.getWidth();
            height = Math.max(height, column.getHeight());
        }
        BufferedImage page = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = page.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        int x = 0;
        for (BufferedImage column : columns) {
            g.drawImage(column, x, 0, null);
            x += column.getWidth();
        }
        g.dispose();
        return page;
    }

    /** A TIFF of {@code pages}, one image a page, written with ImageIO. */
    public static byte[] tiff(List<BufferedImage> pages) {
        javax.imageio.ImageWriter writer = ImageIO.getImageWritersByFormatName("tiff").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (javax.imageio.stream.ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.prepareWriteSequence(null);
            for (BufferedImage page : pages) {
                writer.writeToSequence(new javax.imageio.IIOImage(page, null, null), null);
            }
            writer.endWriteSequence();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    public static byte[] png(String... lines) {
        return encode(render(List.of(lines), SERIF_32), "png");
    }
}
