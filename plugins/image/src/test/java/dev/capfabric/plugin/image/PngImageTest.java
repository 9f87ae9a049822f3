package dev.capfabric.plugin.image;

import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityException.Kind;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PngImageTest {

    private static final byte[] PNG = FakeBackend.png(96, 40, Color.BLUE);

    @Test
    void acceptsARealPngAndReadsItsSize() throws CapabilityException {
        PngImage image = PngImage.verify(PNG, "test image");

        assertEquals(96, image.width());
        assertEquals(40, image.height());
        assertArrayEquals(PNG, image.bytes());
    }

    @Test
    void acceptsBase64WithOrWithoutADataUrlPrefix() throws CapabilityException {
        String base64 = Base64.getEncoder().encodeToString(PNG);

        assertEquals(96, PngImage.fromBase64(base64, "plain").width());
        assertEquals(96, PngImage.fromBase64("data:image/png;base64," + base64, "data URL").width());
    }

    @Test
    void refusesAJpeg() throws IOException {
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB), "jpeg", jpeg);

        CapabilityException failure = assertThrows(CapabilityException.class,
                () -> PngImage.verify(jpeg.toByteArray(), "image 1 from the backend"));

        assertEquals(Kind.UNAVAILABLE, failure.kind());
        assertTrue(failure.getMessage().startsWith("image 1 from the backend is not a PNG image ("), failure.getMessage());
        assertTrue(failure.getMessage().contains("starting ffd8ff"), failure.getMessage());
    }

    @Test
    void refusesATruncatedPng() {
        byte[] truncated = Arrays.copyOf(PNG, PNG.length - 20);

        CapabilityException failure = assertThrows(CapabilityException.class, () -> PngImage.verify(truncated, "image"));

        assertEquals(Kind.UNAVAILABLE, failure.kind());
        assertTrue(failure.getMessage().contains("truncated PNG image"), failure.getMessage());
    }

    @Test
    void refusesSignatureWithoutHeaderChunk() {
        byte[] damaged = PNG.clone();
        damaged[12] = 'X';

        CapabilityException failure = assertThrows(CapabilityException.class, () -> PngImage.verify(damaged, "image"));

        assertTrue(failure.getMessage().contains("has no IHDR header chunk"), failure.getMessage());
    }

    @Test
    void refusesEmptyBytesAndInvalidBase64() {
        assertThrows(CapabilityException.class, () -> PngImage.verify(new byte[0], "image"));
        CapabilityException failure = assertThrows(CapabilityException.class, () -> PngImage.fromBase64("not base64!", "image"));
        assertTrue(failure.getMessage().startsWith("image is not valid base64"), failure.getMessage());
    }
}
