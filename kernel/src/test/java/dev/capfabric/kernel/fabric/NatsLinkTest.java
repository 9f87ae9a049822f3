package dev.capfabric.kernel.fabric;

import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.security.cert.CertPathValidatorException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Why a NATS connection fails is logged at WARNING, once per distinct cause. */
class NatsLinkTest {

    private static NatsSettings settings(String url) {
        return new NatsSettings(List.of(url), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), false,
                Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(500));
    }

    /** Collects the WARNING lines of NatsLink while it runs. */
    private static final class Warnings extends Handler implements AutoCloseable {
        final List<String> lines = new CopyOnWriteArrayList<>();
        private final Logger logger = Logger.getLogger(NatsLink.class.getName());

        Warnings() {
            logger.addHandler(this);
        }

        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                lines.add(java.text.MessageFormat.format(record.getMessage(),
                        record.getParameters() == null ? new Object[0] : record.getParameters()));
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            logger.removeHandler(this);
        }
    }

    @Test
    void aServerThatIsNotThereIsReportedOnceThoughTheNodeKeepsRetrying() throws Exception {
        int port = NatsTestServer.freePort();
        try (Warnings warnings = new Warnings(); NatsLink link = new NatsLink("n", settings("nats://127.0.0.1:" + port))) {
            link.start();
            Thread.sleep(1500); // a dozen rounds at 50..100 ms
            List<String> causes = warnings.lines.stream().filter(l -> l.contains("NATS connection failed")).toList();
            assertFalse(causes.isEmpty(), "the cause is logged at WARNING: " + warnings.lines);
            assertEquals(causes.stream().distinct().count(), causes.size(), "each cause once: " + causes);
            assertTrue(causes.size() <= 3, "not once per attempt: " + causes);
            assertTrue(causes.stream().anyMatch(l -> l.contains("Connection refused") || l.contains("Unable to connect")), causes.toString());
        }
    }

    @Test
    void aCertificateProblemIsNamedNotJustUnableToConnect() {
        try (Warnings warnings = new Warnings(); NatsLink link = new NatsLink("n", settings("tls://127.0.0.1:1"))) {
            IOException failure = new IOException("Unable to connect to NATS servers", new SSLHandshakeException(
                    "PKIX path building failed"));
            failure.getCause().initCause(new CertPathValidatorException("unable to find valid certification path to requested target"));
            assertTrue(link.causeOnce(failure));
            assertFalse(link.causeOnce(failure), "the same cause again: not logged");
            assertTrue(link.causeOnce(new SSLHandshakeException("Received fatal alert: bad_certificate")), "another cause: logged");
            assertEquals(2, warnings.lines.size(), warnings.lines.toString());
            assertTrue(warnings.lines.getFirst().contains("SSLHandshakeException: PKIX path building failed")
                    && warnings.lines.getFirst().contains("unable to find valid certification path"), warnings.lines.getFirst());
        }
    }
}
