package dev.capfabric.kernel.auth;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

import static java.util.Objects.requireNonNull;

/**
 * The API keys of a keys file, re-read when the file changes (checked at most once per
 * {@code recheck}, on the request that notices, so an idle node does no work and an edit takes
 * effect within that interval).
 *
 * <p>Guarantees: a presented key is hashed (SHA-256) and its hash compared with the stored one in
 * constant time ({@link MessageDigest#isEqual}), so how long a check takes says nothing about how close
 * a guess was. A file that cannot be read or vanishes leaves the
 * node refusing every key rather than open: once a keys file is configured, the node never falls back
 * to open access. Malformed lines are skipped with a warning naming the line.
 */
public final class ApiKeys {

    private static final System.Logger LOG = System.getLogger(ApiKeys.class.getName());

    private record Snapshot(List<ApiKey> keys, Map<ByteBuffer, ApiKey> byHash, Instant modified, long size) {
        Snapshot(List<ApiKey> keys, Instant modified, long size) {
            this(keys, index(keys), modified, size);
        }

        private static Map<ByteBuffer, ApiKey> index(List<ApiKey> keys) {
            Map<ByteBuffer, ApiKey> byHash = new HashMap<>();
            keys.forEach(key -> byHash.put(ByteBuffer.wrap(key.sha256()), key));
            return Map.copyOf(byHash);
        }
    }

    private final Path file;
    private final Clock clock;
    private final Duration recheck;
    private final ReentrantLock reloading = new ReentrantLock();
    private volatile Snapshot snapshot;
    private volatile Instant nextCheck;

    private ApiKeys(Path file, Clock clock, Duration recheck) {
        this.file = requireNonNull(file, "file is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.recheck = requireNonNull(recheck, "recheck is null");
    }

    /**
     * Reads the keys file.
     *
     * @throws IllegalArgumentException when the file does not exist or cannot be read
     */
    public static ApiKeys load(Path file, Clock clock, Duration recheck) {
        ApiKeys keys = new ApiKeys(file, clock, recheck);
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException("the keys file " + file.toAbsolutePath() + " is not a readable file "
                    + "(create it with the second line of 'bin/capfabric key new --name NAME --scopes jobs,read')");
        }
        keys.snapshot = keys.read();
        keys.nextCheck = clock.instant().plus(recheck);
        LOG.log(System.Logger.Level.INFO, "{0} API key(s) from {1}", keys.snapshot.keys().size(), file.toAbsolutePath());
        return keys;
    }

    /** The file the keys come from. */
    public Path file() {
        return file;
    }

    /** The keys now in force. */
    public List<ApiKey> keys() {
        refreshIfDue();
        return snapshot.keys();
    }

    /**
     * The key whose hash matches {@code presented}; empty when none does.
     *
     * <p>The stored hash is found by the SHA-256 of what was presented, then compared in constant time.
     * Finding it takes time that depends on that SHA-256 only, which says nothing an attacker could use
     * about any key (the hash cannot be steered towards a stored one), and spares comparing with every
     * key on every request.
     */
    public Optional<ApiKey> find(String presented) {
        requireNonNull(presented, "presented is null");
        refreshIfDue();
        byte[] hash = KeyMaker.sha256(presented);
        ApiKey candidate = snapshot.byHash().get(ByteBuffer.wrap(hash));
        return candidate != null && candidate.matches(hash) ? Optional.of(candidate) : Optional.empty();
    }

    private void refreshIfDue() {
        if (clock.instant().isBefore(nextCheck) || !reloading.tryLock()) {
            return;
        }
        try {
            nextCheck = clock.instant().plus(recheck);
            Snapshot current = snapshot;
            Instant modified;
            long size;
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                modified = attributes.lastModifiedTime().toInstant();
                size = attributes.size();
            } catch (IOException e) {
                if (!current.keys().isEmpty()) {
                    LOG.log(System.Logger.Level.WARNING, "the keys file {0} cannot be read ({1}): refusing every API key until it can",
                            file.toAbsolutePath(), e.getMessage());
                }
                snapshot = new Snapshot(List.of(), Instant.EPOCH, -1);
                return;
            }
            if (!modified.equals(current.modified()) || size != current.size()) {
                snapshot = read();
                LOG.log(System.Logger.Level.INFO, "keys file {0} changed: {1} API key(s) now", file.toAbsolutePath(),
                        snapshot.keys().size());
            }
        } finally {
            reloading.unlock();
        }
    }

    private Snapshot read() {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            List<ApiKey> keys = new ArrayList<>();
            Set<String> names = new HashSet<>();
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                try {
                    ApiKey key = ApiKey.parse(line);
                    if (!names.add(key.name())) {
                        LOG.log(System.Logger.Level.WARNING, "{0} line {1}: a second key named ''{2}'' is ignored", file, i + 1, key.name());
                        continue;
                    }
                    keys.add(key);
                } catch (IllegalArgumentException e) {
                    LOG.log(System.Logger.Level.WARNING, "{0} line {1} is ignored: {2}", file, i + 1, e.getMessage());
                }
            }
            return new Snapshot(List.copyOf(keys), attributes.lastModifiedTime().toInstant(), attributes.size());
        } catch (NoSuchFileException e) {
            LOG.log(System.Logger.Level.WARNING, "the keys file {0} is gone: refusing every API key until it is back", file.toAbsolutePath());
            return new Snapshot(List.of(), Instant.EPOCH, -1);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "the keys file {0} cannot be read ({1}): refusing every API key until it can",
                    file.toAbsolutePath(), e.getMessage());
            return new Snapshot(List.of(), Instant.EPOCH, -1);
        }
    }

    @Override
    public String toString() {
        return "ApiKeys[" + file + ", " + Objects.requireNonNullElse(snapshot, new Snapshot(List.of(), Instant.EPOCH, 0)).keys().size() + " keys]";
    }
}
