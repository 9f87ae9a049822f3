package dev.capfabric.kernel.config;

import io.helidon.config.Config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.TreeMap;

/**
 * A digest of a node's effective configuration, for {@code capfabric snapshot}: two nodes (or one node
 * at two times) with equal digests run with the same settings. It covers every leaf under the
 * {@code capfabric} node as the node resolved it (file and environment merged), sorted by key, so the
 * order settings were written in does not matter. Only the digest leaves the node, never a value.
 */
public final class ConfigDigest {

    private ConfigDigest() {
    }

    /** The SHA-256, hex, of every {@code key=value} leaf of {@code config}, one per line, sorted by key. */
    public static String of(Config config) {
        TreeMap<String, String> leaves = new TreeMap<>();
        config.traverse().filter(Config::isLeaf)
                .forEach(leaf -> leaves.put(leaf.key().toString(), leaf.asString().orElse("")));
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            leaves.forEach((key, value) -> sha.update((key + "=" + value + "\n").getBytes(StandardCharsets.UTF_8)));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
