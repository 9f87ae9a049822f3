package dev.capfabric.plugin.tts;

import dev.capfabric.spi.Cancellation;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** Tts jobs as the kernel builds them from a JSON body: its scalar fields become parameters. */
public final class TestJobs {

    private TestJobs() {
    }

    /** A job with these parameters and a generous deadline. */
    public static Job job(Map<String, String> parameters) {
        return job(parameters, Duration.ofSeconds(60));
    }

    public static Job job(Map<String, String> parameters, Duration deadline) {
        return new Job(UUID.randomUUID().toString(), Capability.TTS, parameters, Payload.empty(),
                Instant.now().plus(deadline), Cancellation.never());
    }

    /** A job whose body is the text itself, as text/plain. */
    public static Job plainText(String text) {
        return new Job(UUID.randomUUID().toString(), Capability.TTS, Map.of(), Payload.text(text),
                Instant.now().plus(Duration.ofSeconds(60)), Cancellation.never());
    }

    public static Job text(String text) {
        return job(Map.of("text", text));
    }
}
