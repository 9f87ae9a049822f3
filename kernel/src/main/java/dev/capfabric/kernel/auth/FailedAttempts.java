package dev.capfabric.kernel.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import static java.util.Objects.requireNonNull;

/**
 * Failed key checks per client address, in fixed windows: an address that failed {@code limit} times
 * within one window is refused until the window ends, so guessing keys is slow.
 *
 * <p>Bounded: at most {@code maxAddresses} addresses are tracked; beyond that (after forgetting those
 * whose window ended) new addresses go untracked rather than evicting others, since keys carry 256
 * random bits and guessing stays hopeless anyway.
 */
public final class FailedAttempts {

    private record Window(Instant start, int failures) {
    }

    private final int limit;
    private final Duration window;
    private final int maxAddresses;
    private final Clock clock;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    public FailedAttempts(int limit, Duration window, int maxAddresses, Clock clock) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        this.limit = limit;
        this.window = requireNonNull(window, "window is null");
        this.maxAddresses = maxAddresses;
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** Whether no address failed lately: then none is blocked, and a caller need not even name its address. */
    public boolean none() {
        return windows.isEmpty();
    }

    /** How long {@code address} must still wait before it may try again; empty when it may try now. */
    public Optional<Duration> blocked(String address) {
        Window current = windows.get(address);
        if (current == null || current.failures() < limit) {
            return Optional.empty();
        }
        Duration left = Duration.between(clock.instant(), current.start().plus(window));
        if (left.isNegative() || left.isZero()) {
            windows.remove(address, current);
            return Optional.empty();
        }
        return Optional.of(left);
    }

    /** Counts one failure of {@code address}. */
    public void failed(String address) {
        Instant now = clock.instant();
        if (!windows.containsKey(address) && windows.size() >= maxAddresses) {
            windows.entrySet().removeIf(entry -> !now.isBefore(entry.getValue().start().plus(window)));
            if (windows.size() >= maxAddresses) {
                return;
            }
        }
        windows.compute(address, (key, current) -> current == null || !now.isBefore(current.start().plus(window))
                ? new Window(now, 1)
                : new Window(current.start(), current.failures() + 1));
    }

    /** Addresses tracked now (for tests and metrics). */
    public int tracked() {
        return windows.size();
    }
}
