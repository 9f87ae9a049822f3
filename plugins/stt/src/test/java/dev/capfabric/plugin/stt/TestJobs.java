package dev.capfabric.plugin.stt;

import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Cancellation;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** Builds stt jobs as the kernel hands them over. */
public final class TestJobs {

    private TestJobs() {
    }

    public static Job wav(byte[] wav) {
        return wav(wav, Map.of());
    }

    public static Job wav(byte[] wav, Map<String, String> parameters) {
        return job(new Payload("audio/wav", wav), parameters, Duration.ofSeconds(120));
    }

    public static Job job(Payload input, Map<String, String> parameters, Duration deadline) {
        return new Job(UUID.randomUUID().toString(), Capability.STT, parameters, input,
                Instant.now().plus(deadline), Cancellation.never());
    }
}
