package dev.capfabric.plugin.stt.split;

import dev.capfabric.plugin.stt.ProviderSettings;
import dev.capfabric.plugin.stt.UnusableException;

/**
 * When a provider splits a recording into parts that the fleet transcribes side by side, and how.
 *
 * <p>Settings: {@code split-above-seconds} (recordings longer than this are split; default 300, 0 never
 * splits), {@code split-part-seconds} (the length aimed at for each part; default 120),
 * {@code split-max-parts} (default 16: a longer recording gets longer parts, never more of them) and
 * {@code split-overlap-ms} (how much two parts share where no pause was found to cut in; default 500).
 *
 * @param aboveSeconds  recordings longer than this are split; 0 never splits
 * @param partSeconds   the length aimed at for each part
 * @param maxParts      the most parts one recording makes
 * @param overlapMillis audio two parts share around a cut made where there was no pause
 */
public record SplitPolicy(double aboveSeconds, double partSeconds, int maxParts, int overlapMillis) {

    /** Never splits. */
    public static final SplitPolicy NEVER = new SplitPolicy(0, 120, 16, 500);

    public SplitPolicy {
        if (aboveSeconds < 0 || partSeconds <= 0 || maxParts < 2 || overlapMillis < 0) {
            throw new IllegalArgumentException("aboveSeconds >= 0, partSeconds > 0, maxParts >= 2, overlapMillis >= 0; got "
                    + aboveSeconds + ", " + partSeconds + ", " + maxParts + ", " + overlapMillis);
        }
    }

    /** The policy a provider's settings give, the defaults above where a key is absent. */
    public static SplitPolicy from(ProviderSettings settings) throws UnusableException {
        return new SplitPolicy(
                settings.number("split-above-seconds", 300, 0, 24 * 3600),
                settings.number("split-part-seconds", 120, 1, 24 * 3600),
                (int) settings.number("split-max-parts", 16, 2, 256),
                (int) settings.number("split-overlap-ms", 500, 0, 10_000));
    }

    /** Whether a recording of this length is split. */
    public boolean splits(double durationSeconds) {
        return aboveSeconds > 0 && durationSeconds > aboveSeconds;
    }

    /**
     * How many parts a recording of this length makes: 1 when it is not split, else the count whose
     * parts come closest to {@link #partSeconds()}, at least 2 and at most {@link #maxParts()}.
     */
    public int partsFor(double durationSeconds) {
        if (!splits(durationSeconds)) {
            return 1;
        }
        return (int) Math.max(2, Math.min(maxParts, Math.round(durationSeconds / partSeconds)));
    }
}
