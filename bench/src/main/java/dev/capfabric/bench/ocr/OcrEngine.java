package dev.capfabric.bench.ocr;

/** One way of running OCR on a page, timed from image bytes to text. */
interface OcrEngine extends AutoCloseable {

    /**
     * What was read, and what it cost.
     *
     * @param text      the recognised text
     * @param wallNanos elapsed time
     * @param cpuNanos  CPU time spent (user + system), which a busy shared machine disturbs less; -1 when
     *                  it is spent elsewhere and not measured
     */
    record Reading(String text, long wallNanos, long cpuNanos) {
    }

    String name();

    /** The engine's version, for the report. */
    String version();

    Reading read(SamplePage page) throws Exception;

    @Override
    void close();
}
