package dev.capfabric.spi;

import static java.util.Objects.requireNonNull;

/**
 * A provider's live state, asked for periodically (never per request) and shown on {@code /caps}.
 * A provider that answers {@code usable == false} is taken out of capability derivation until it
 * answers usable again.
 *
 * @param usable whether jobs can be sent to it now
 * @param detail a short human-readable explanation; the reason when not usable
 */
public record Health(boolean usable, String detail) {

    public Health {
        requireNonNull(detail, "detail is null");
    }

    public static Health ok() {
        return new Health(true, "ok");
    }

    public static Health ok(String detail) {
        return new Health(true, detail);
    }

    public static Health down(String reason) {
        return new Health(false, reason);
    }
}
