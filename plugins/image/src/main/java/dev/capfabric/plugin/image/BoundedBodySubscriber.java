package dev.capfabric.plugin.image;

import java.io.IOException;
import java.net.http.HttpResponse;

/**
 * Response bodies held in memory up to a bound, so a backend cannot make the node buffer an unbounded
 * answer: the JDK's {@link HttpResponse.BodyHandlers#limiting} (it stops reading and fails the exchange
 * as soon as the body goes past the bound).
 */
final class BoundedBodySubscriber {

    private BoundedBodySubscriber() {
    }

    /** A body handler whose bodies are at most {@code limit} bytes. */
    static HttpResponse.BodyHandler<byte[]> handler(long limit) {
        return HttpResponse.BodyHandlers.limiting(HttpResponse.BodyHandlers.ofByteArray(), limit);
    }

    /**
     * Whether an exchange read through {@link #handler} failed because its body went past the bound: the
     * JDK says so only in its exception's message ("body exceeds capacity: N"); a test of each
     * provider's too-large answer holds this to the runtime's JDK.
     */
    static boolean tooLong(Throwable failure) {
        return failure instanceof IOException && failure.getMessage() != null
                && failure.getMessage().startsWith("body exceeds capacity");
    }
}
