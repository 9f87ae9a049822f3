package dev.capfabric.plugin.stt.audio;

/**
 * Band-limited sample-rate conversion by a Kaiser-windowed sinc filter, for any pair of rates.
 *
 * <p>Before decimation everything above the lower rate's Nyquist frequency is filtered out
 * (stopband about -90 dB), so 44.1 kHz or 48 kHz input does not fold its upper band back onto
 * the speech band. Stateless and thread-safe; one instance can serve every worker.
 */
public final class Resampler {

    /** Half the filter length, in zero crossings of the cut-off sinc. */
    private static final int ZERO_CROSSINGS = 32;
    /** Table steps per zero crossing; linear interpolation between them is far below the stopband. */
    private static final int TABLE_STEPS = 512;
    /** Kaiser window shape: beta 9 gives about 90 dB of stopband attenuation. */
    private static final double KAISER_BETA = 9.0;
    /**
     * Cut-off as a fraction of the lower rate's Nyquist frequency: leaves room for the transition band
     * to end before Nyquist. At 16 kHz output that keeps speech up to 7.2 kHz, above what the
     * recognisers' filter banks read (6.8 kHz).
     */
    private static final double PASSBAND = 0.9;

    private final float[] filter;

    public Resampler() {
        filter = new float[ZERO_CROSSINGS * TABLE_STEPS + 2];
        double norm = besselI0(KAISER_BETA);
        for (int i = 0; i < filter.length; i++) {
            double x = (double) i / TABLE_STEPS;
            double ratio = Math.min(1.0, x / ZERO_CROSSINGS);
            double window = besselI0(KAISER_BETA * Math.sqrt(1 - ratio * ratio)) / norm;
            double sinc = x == 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
            filter[i] = x >= ZERO_CROSSINGS ? 0f : (float) (sinc * window);
        }
    }

    /** Returns {@code input}, sampled at {@code fromRate}, converted to {@code toRate}. */
    public float[] resample(float[] input, int fromRate, int toRate) {
        if (fromRate <= 0 || toRate <= 0) {
            throw new IllegalArgumentException("rates must be positive: " + fromRate + " -> " + toRate);
        }
        if (fromRate == toRate) {
            return input.clone();
        }
        int outputLength = (int) ((long) input.length * toRate / fromRate);
        float[] output = new float[outputLength];
        // zero crossings of the cut-off sinc per input sample (<= 1)
        double step = PASSBAND * Math.min(fromRate, toRate) / fromRate;
        double reach = ZERO_CROSSINGS / step;
        double inputPerOutput = (double) fromRate / toRate;
        for (int n = 0; n < outputLength; n++) {
            double center = n * inputPerOutput;
            int first = Math.max(0, (int) Math.ceil(center - reach));
            int last = Math.min(input.length - 1, (int) Math.floor(center + reach));
            double sum = 0;
            for (int k = first; k <= last; k++) {
                sum += input[k] * tap(Math.abs(center - k) * step);
            }
            output[n] = (float) (sum * step);
        }
        return output;
    }

    private float tap(double zeroCrossings) {
        double position = zeroCrossings * TABLE_STEPS;
        int index = (int) position;
        if (index >= filter.length - 1) {
            return 0f;
        }
        float fraction = (float) (position - index);
        return filter[index] + fraction * (filter[index + 1] - filter[index]);
    }

    /** Modified Bessel function of the first kind, order zero, by its power series. */
    private static double besselI0(double x) {
        double sum = 1;
        double term = 1;
        double quarterSquare = x * x / 4;
        for (int k = 1; k < 50 && term > 1e-12 * sum; k++) {
            term *= quarterSquare / ((double) k * k);
            sum += term;
        }
        return sum;
    }
}
