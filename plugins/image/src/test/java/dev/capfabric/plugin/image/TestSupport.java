package dev.capfabric.plugin.image;

import dev.capfabric.spi.Cancellation;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Payload;
import dev.capfabric.spi.ProviderContext;
import dev.capfabric.spi.ProviderFactory;

import java.nio.file.Path;
import java.text.MessageFormat;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.ResourceBundle;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Builds what the kernel would hand a provider: a context with config, and jobs. */
final class TestSupport {

    private TestSupport() {
    }

    /** A provider context whose logger keeps what it is told. */
    record Context(Map<String, String> config, RecordingLogger logger) implements ProviderContext {
        Context(Map<String, String> config) {
            this(config, new RecordingLogger());
        }

        @Override
        public String nodeId() {
            return "test-node";
        }

        @Override
        public Path dataDir() {
            return Path.of(System.getProperty("java.io.tmpdir"));
        }
    }

    /** Keeps log lines as {@code LEVEL message}. */
    static final class RecordingLogger implements System.Logger {
        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public String getName() {
            return "capfabric.plugin.image.test";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
            lines.add(level + " " + message);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            lines.add(level + " " + MessageFormat.format(format, params));
        }
    }

    static Creation create(ProviderFactory factory, Map<String, String> config) {
        return factory.create(new Context(config));
    }

    static CapabilityProvider ready(ProviderFactory factory, Map<String, String> config) {
        return assertInstanceOf(Creation.Ready.class, create(factory, config)).provider();
    }

    static String unusableReason(ProviderFactory factory, Map<String, String> config) {
        return assertInstanceOf(Creation.Unusable.class, create(factory, config)).reason();
    }

    static Job job(Map<String, String> parameters) {
        return job(parameters, Duration.ofSeconds(20), Cancellation.never());
    }

    static Job job(Map<String, String> parameters, Duration timeLeft, Cancellation cancellation) {
        return new Job(UUID.randomUUID().toString(), Capability.IMAGE, parameters,
                new Payload(Payload.JSON, "{}".getBytes()), Instant.now().plus(timeLeft), cancellation);
    }

    static CapabilityException failure(CapabilityProvider provider, Job job, CapabilityException.Kind kind) {
        CapabilityException failure = assertThrows(CapabilityException.class, () -> provider.handle(job));
        assertEquals(kind, failure.kind(), () -> "kind of: " + failure.getMessage());
        return failure;
    }
}
