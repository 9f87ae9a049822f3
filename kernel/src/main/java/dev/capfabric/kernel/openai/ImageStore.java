package dev.capfabric.kernel.openai;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Generated images kept for {@code response_format: url}: each under an unguessable name for a bounded
 * time, all of them within a bounded number of bytes (the oldest give way first). Thread-safe.
 */
final class ImageStore {

    private record Kept(byte[] bytes, String mediaType, Instant expires) {
    }

    private final Clock clock;
    private final Duration ttl;
    private final long maxBytes;
    private final SecureRandom random = new SecureRandom();
    // insertion order is age order: the first entry is the oldest
    private final Map<String, Kept> kept = new LinkedHashMap<>();
    private long bytes;

    ImageStore(Clock clock, Duration ttl, long maxBytes) {
        this.clock = requireNonNull(clock, "clock is null");
        this.ttl = requireNonNull(ttl, "ttl is null");
        this.maxBytes = maxBytes;
    }

    /** How long a kept image answers. */
    Duration ttl() {
        return ttl;
    }

    /** Keeps an image; its name, with the extension of its type. */
    synchronized String put(byte[] image, String mediaType) {
        evict(image.length);
        byte[] id = new byte[16];
        random.nextBytes(id);
        String name = HexFormat.of().formatHex(id) + (mediaType.equals("image/png") ? ".png" : "");
        kept.put(name, new Kept(image.clone(), mediaType, clock.instant().plus(ttl)));
        bytes += image.length;
        return name;
    }

    /** The image under {@code name} with its media type, while it has not expired. */
    synchronized Optional<Map.Entry<String, byte[]>> get(String name) {
        evict(0);
        Kept image = kept.get(name);
        return image == null ? Optional.empty() : Optional.of(Map.entry(image.mediaType(), image.bytes()));
    }

    private void evict(long incoming) {
        Instant now = clock.instant();
        Iterator<Kept> oldest = kept.values().iterator();
        while (oldest.hasNext()) {
            Kept image = oldest.next();
            if (image.expires().isAfter(now) && bytes + incoming <= maxBytes) {
                break;
            }
            oldest.remove();
            bytes -= image.bytes().length;
        }
    }
}
