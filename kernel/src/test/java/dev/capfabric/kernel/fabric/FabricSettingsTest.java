package dev.capfabric.kernel.fabric;

import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.config.InvalidSettingsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FabricSettingsTest {

    @TempDir
    Path home;

    static NatsSettings nats() {
        return new NatsSettings(List.of("nats://127.0.0.1:4222"), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), false,
                Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(2));
    }

    private FabricSettings read(Map<String, String> env) {
        Map<String, String> all = new HashMap<>(env);
        all.putIfAbsent("CAPFABRIC_NATS_URL", "nats://127.0.0.1:4222");
        return FabricSettings.of(TestNode.settings(home, "node-a", all));
    }

    @Test
    void defaultsFollowTheDesign() {
        FabricSettings settings = read(Map.of());
        assertEquals("capfabric", settings.subjectPrefix());
        assertEquals(Duration.ofSeconds(5), settings.heartbeatInterval());
        assertEquals(Duration.ofMillis(250), settings.discoveryWindow());
        assertEquals(3, settings.breaker().failures());
        assertEquals(Duration.ofSeconds(60), settings.breaker().window());
        assertEquals(Duration.ofSeconds(120), settings.breaker().openFor());
        assertEquals(List.of("nats://127.0.0.1:4222"), settings.nats().servers());
        assertTrue(settings.nats().reconnectMaxWait().compareTo(settings.heartbeatInterval()) < 0,
                "a returning server is rejoined within a heartbeat interval");
        assertFalse(settings.admin().enabled(), "admin subjects are opt-in");
        assertEquals(0, settings.admin().maxJarBytes(), "bounded by the NATS max payload alone");
    }

    @Test
    void adminSubjectsAreSwitchedOnAndBoundedFromTheEnvironment() {
        FabricSettings settings = read(Map.of("CAPFABRIC_FABRIC_ADMIN_ENABLED", "true",
                "CAPFABRIC_FABRIC_ADMIN_MAX__JAR__BYTES", "4096", "CAPFABRIC_FABRIC_ADMIN_TIMEOUT__MS", "1500"));
        assertTrue(settings.admin().enabled());
        assertEquals(4096, settings.admin().maxJarBytes());
        assertEquals(Duration.ofMillis(1500), settings.admin().timeout());
        assertEquals(home.resolve("plugins").toAbsolutePath().normalize(), settings.admin().pluginsDir().toAbsolutePath().normalize(),
                "install writes where the plugin host looks");
        assertThrows(InvalidSettingsException.class, () -> read(Map.of("CAPFABRIC_FABRIC_ADMIN_MAX__JAR__BYTES", "-1")));
    }

    @Test
    void hedgingDefaultsToTheP95AndFivePercentAndIsSetFromTheEnvironment() {
        FabricSettings.HedgeSettings defaults = read(Map.of()).hedge();
        assertEquals(FabricSettings.HedgeSettings.DEFAULT, defaults);
        assertFalse(defaults.enabled(), "off unless switched on");
        assertEquals(0.95, defaults.quantile());
        assertEquals(0.05, defaults.maxFraction());
        assertEquals(Duration.ofSeconds(10), defaults.window());
        FabricSettings.HedgeSettings set = read(Map.of("CAPFABRIC_FABRIC_HEDGE_ENABLED", String.valueOf(!defaults.enabled()),
                "CAPFABRIC_FABRIC_HEDGE_QUANTILE", "0.9", "CAPFABRIC_FABRIC_HEDGE_MAX__FRACTION", "0.02",
                "CAPFABRIC_FABRIC_HEDGE_WINDOW__MS", "30000")).hedge();
        assertEquals(new FabricSettings.HedgeSettings(!defaults.enabled(), 0.9, 0.02, Duration.ofSeconds(30)), set);
        for (Map<String, String> bad : List.of(Map.of("CAPFABRIC_FABRIC_HEDGE_QUANTILE", "1"),
                Map.of("CAPFABRIC_FABRIC_HEDGE_QUANTILE", "0.2"), Map.of("CAPFABRIC_FABRIC_HEDGE_MAX__FRACTION", "1.5"),
                Map.of("CAPFABRIC_FABRIC_HEDGE_MAX__FRACTION", "-0.1"), Map.of("CAPFABRIC_FABRIC_HEDGE_WINDOW__MS", "0"))) {
            assertThrows(InvalidSettingsException.class, () -> read(bad), bad.toString());
        }
    }

    @Test
    void everyKeyCanComeFromTheEnvironment() {
        FabricSettings settings = read(Map.of(
                "CAPFABRIC_NATS_URL", "nats://n1:4222, nats://n2:4222,tls://n3:4443",
                "CAPFABRIC_FABRIC_SUBJECT__PREFIX", "acme.cf",
                "CAPFABRIC_FABRIC_HEARTBEAT__INTERVAL__MS", "1000",
                "CAPFABRIC_FABRIC_EXPECTED__NODES", "gpu-1, gpu-2",
                "CAPFABRIC_NATS_USER", "capfabric",
                "CAPFABRIC_NATS_PASSWORD", "s3cret"));
        assertEquals(List.of("nats://n1:4222", "nats://n2:4222", "tls://n3:4443"), settings.nats().servers());
        assertEquals("acme.cf", settings.subjectPrefix());
        assertEquals(Duration.ofSeconds(1), settings.heartbeatInterval());
        assertEquals(List.of("gpu-1", "gpu-2"), settings.expectedNodes());
        assertEquals(Optional.of("capfabric"), settings.nats().user());
        assertTrue(settings.nats().wantsTls(), "a tls:// URL asks for TLS");
        assertFalse(settings.nats().toString().contains("s3cret"), settings.nats().toString());
    }

    @Test
    void anExpectedNodeIdThatIsNotOneSubjectTokenIsRefused() {
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
                () -> read(Map.of("CAPFABRIC_FABRIC_EXPECTED__NODES", "good,bad.node")));
        assertTrue(e.getMessage().contains("bad.node"), e.getMessage());
    }

    @Test
    void authenticationSettingsMustBeComplete() {
        assertThrows(InvalidSettingsException.class, () -> read(Map.of("CAPFABRIC_NATS_USER", "only-user")));
        assertThrows(InvalidSettingsException.class, () -> read(Map.of("CAPFABRIC_NATS_TOKEN", "t",
                "CAPFABRIC_NATS_USER", "u", "CAPFABRIC_NATS_PASSWORD", "p")));
        InvalidSettingsException missing = assertThrows(InvalidSettingsException.class,
                () -> read(Map.of("CAPFABRIC_NATS_CREDENTIALS", home.resolve("missing.creds").toString())));
        assertTrue(missing.getMessage().contains("missing.creds"), missing.getMessage());
        assertThrows(InvalidSettingsException.class, () -> read(Map.of("CAPFABRIC_NATS_URL", "nats://host:4222 nats://other")));
    }

    @Test
    void backoffDoublesUpToItsLimit() {
        NatsLink link = new NatsLink("n", nats());
        long first = link.backoff(1).toMillis();
        long fourth = link.backoff(4).toMillis();
        long late = link.backoff(40).toMillis();
        assertTrue(first >= 80 && first <= 120, "first wait about 100 ms: " + first);
        assertTrue(fourth >= 640 && fourth <= 960, "fourth wait about 800 ms: " + fourth);
        assertTrue(late >= 1600 && late <= 2400, "never much above the 2 s limit: " + late);
    }
}
