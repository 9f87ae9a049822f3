package dev.capfabric.kernel.http;

import dev.capfabric.kernel.Kernel;
import dev.capfabric.kernel.LogLines;
import dev.capfabric.kernel.TestNode;
import dev.capfabric.kernel.auth.KeyMaker;
import dev.capfabric.kernel.auth.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node without API keys warns at start exactly when others can reach it: on a non-loopback address
 * (all interfaces, or one of this machine's own), never on loopback ones nor once keys are configured.
 */
class OpenNodeWarningTest {

    @TempDir
    Path dir;

    /** The WARNING lines the kernel logs while a node starts on {@code host}. */
    private List<String> warningsStartingOn(String name, String host, Map<String, String> extra) {
        Map<String, String> env = new java.util.HashMap<>(extra);
        env.put("CAPFABRIC_HOST", host);
        try (LogLines warnings = LogLines.of(Kernel.class, Level.WARNING)) {
            try (TestNode node = TestNode.start(dir.resolve(name), name, env)) {
                assertTrue(node.kernel.port() > 0);
            }
            return warnings.lines().stream().filter(w -> w.contains("API keys")).toList();
        }
    }

    @Test
    void aNodeReachableByOthersWithoutKeysWarnsOnce() {
        List<String> hosts = new ArrayList<>(List.of("0.0.0.0"));
        ownAddress().ifPresent(hosts::add);
        for (String host : hosts) {
            List<String> warnings = warningsStartingOn("open-" + hosts.indexOf(host), host, Map.of());
            assertEquals(1, warnings.size(), host + ": " + warnings);
            String warning = warnings.getFirst();
            assertTrue(warning.contains("binds " + host + " with no API keys"), warning);
            assertTrue(warning.contains("CAPFABRIC_HTTP_KEYS__FILE") && warning.contains("key new"), "says how to fix it: " + warning);
        }
    }

    @Test
    void loopbackOrKeysKeepItQuiet() throws Exception {
        for (String host : List.of("127.0.0.1", "localhost", "127.0.0.2")) {
            assertEquals(List.of(), warningsStartingOn("loop-" + host.replace('.', '-'), host, Map.of()), host);
        }
        Path keys = dir.resolve("keys");
        Files.writeString(keys, new KeyMaker(new SecureRandom()).make("app", Set.of(Scope.JOBS)).entry().line() + "\n");
        assertEquals(List.of(), warningsStartingOn("keyed", "0.0.0.0", Map.of("CAPFABRIC_HTTP_KEYS__FILE", keys.toString())));
        // an empty keys file still means keys are configured: every key is refused, the node is not open
        Path empty = dir.resolve("empty-keys");
        Files.writeString(empty, "# no keys yet\n");
        assertEquals(List.of(), warningsStartingOn("empty", "0.0.0.0", Map.of("CAPFABRIC_HTTP_KEYS__FILE", empty.toString())));
    }

    /** One of this machine's own non-loopback IPv4 addresses, when it has one. */
    private static Optional<String> ownAddress() {
        try {
            for (NetworkInterface network : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!network.isUp() || network.isLoopback()) {
                    continue;
                }
                for (InetAddress address : Collections.list(network.getInetAddresses())) {
                    if (address instanceof Inet4Address && !address.isLoopbackAddress() && !address.isLinkLocalAddress()) {
                        return Optional.of(address.getHostAddress());
                    }
                }
            }
        } catch (SocketException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
