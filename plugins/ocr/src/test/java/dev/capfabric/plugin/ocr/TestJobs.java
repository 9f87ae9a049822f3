package dev.capfabric.plugin.ocr;

import dev.capfabric.spi.Cancellation;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** OCR jobs as the kernel builds them. */
public final class TestJobs {

    private TestJobs() {
    }

    public static Job ocr(byte[] image, String mediaType, Map<String, String> parameters) {
        return ocr(image, mediaType, parameters, Duration.ofSeconds(60), Cancellation.never());
    }

    public static Job ocr(byte[] image, String mediaType, Map<String, String> parameters, Duration timeLeft,
                          Cancellation cancellation) {
        return new Job(UUID.randomUUID().toString(), Capability.OCR, parameters, new Payload(mediaType, image),
                Instant.now().plus(timeLeft), cancellation);
    }

    public static Job png(byte[] image) {
        return ocr(image, "image/png", Map.of());
    }
}
