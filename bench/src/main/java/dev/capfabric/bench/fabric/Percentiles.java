package dev.capfabric.bench.fabric;

import java.util.Arrays;

/** Latency samples in nanoseconds and their percentiles. */
final class Percentiles {

    private long[] samples = new long[1024];
    private int count;

    synchronized void add(long nanos) {
        if (count == samples.length) {
            samples = Arrays.copyOf(samples, count * 2);
        }
        samples[count++] = nanos;
    }

    synchronized int count() {
        return count;
    }

    /** The {@code q} quantile (0..1), nearest rank, in milliseconds. */
    synchronized double millis(double q) {
        if (count == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * count);
        return sorted[Math.max(0, Math.min(count - 1, rank - 1))] / 1e6;
    }

    /** The {@code q} quantile in microseconds. */
    double micros(double q) {
        return millis(q) * 1000;
    }
}
