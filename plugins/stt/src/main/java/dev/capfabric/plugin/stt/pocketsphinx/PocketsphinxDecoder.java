package dev.capfabric.plugin.stt.pocketsphinx;

import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Job;
import dev.capfabric.spi.Result;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * One pocketsphinx decoder ({@code ps_decoder_t}) with its model loaded. Not thread-safe: one
 * thread at a time, which {@link dev.capfabric.plugin.stt.EnginePool} guarantees. Reused across
 * jobs; each job is one utterance.
 */
// reading the hypothesis needs MemorySegment.reinterpret, restricted like all of FFM's native access
@SuppressWarnings("restricted")
final class PocketsphinxDecoder implements AutoCloseable {

    private final PocketsphinxLibrary library;
    /** Holds the argument strings: sphinxbase's configuration keeps pointers to them, not copies. */
    private final Arena arena;
    private final MemorySegment decoder;
    private final int wholeUtteranceLimit;
    private final int blockSamples;

    private PocketsphinxDecoder(PocketsphinxLibrary library, Arena arena, MemorySegment decoder,
                                int wholeUtteranceLimit, int blockSamples) {
        this.library = library;
        this.arena = arena;
        this.decoder = decoder;
        this.wholeUtteranceLimit = wholeUtteranceLimit;
        this.blockSamples = blockSamples;
    }

    /**
     * Loads a decoder.
     *
     * @param arguments      pocketsphinx command-line arguments as name/value pairs ({@code -hmm}, {@code /path}, ...)
     * @param wholeUtteranceLimit audio up to this many samples goes in one call marked as a full utterance
     *                            (cepstral mean normalisation over the whole of it); longer audio goes in
     *                            blocks, so that an abandoned job stops between them
     * @param blockSamples        samples per block for longer audio
     * @throws IllegalStateException when pocketsphinx refuses the arguments or the model
     */
    static PocketsphinxDecoder open(PocketsphinxLibrary library, List<String> arguments,
                                    int wholeUtteranceLimit, int blockSamples) {
        requireNonNull(library, "library is null");
        Arena arena = Arena.ofShared();
        try {
            MemorySegment config = parse(library, arena, arguments);
            MemorySegment decoder = (MemorySegment) library.psInit.invokeExact(config);
            // the decoder holds its own reference to the configuration
            int ignored = (int) library.cmdLnFree.invokeExact(config);
            if (decoder.equals(MemorySegment.NULL)) {
                throw new IllegalStateException("pocketsphinx could not load its model with " + arguments);
            }
            return new PocketsphinxDecoder(library, arena, decoder, wholeUtteranceLimit, blockSamples);
        } catch (Throwable e) {
            arena.close();
            if (e instanceof IllegalStateException state) {
                throw state;
            }
            throw new IllegalStateException("pocketsphinx decoder failed to start: " + e, e);
        }
    }

    /**
     * Checks that pocketsphinx takes {@code arguments}, without loading the model they name.
     *
     * @throws IllegalStateException when it refuses them
     */
    static void checkArguments(PocketsphinxLibrary library, List<String> arguments) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment config = parse(library, arena, arguments);
            int ignored = (int) library.cmdLnFree.invokeExact(config);
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("pocketsphinx could not check its arguments: " + e, e);
        }
    }

    private static MemorySegment parse(PocketsphinxLibrary library, Arena arena, List<String> arguments) throws Throwable {
        MemorySegment argv = arena.allocate(ValueLayout.ADDRESS, arguments.size() + 1L);
        for (int i = 0; i < arguments.size(); i++) {
            argv.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(arguments.get(i)));
        }
        MemorySegment definitions = (MemorySegment) library.psArgs.invokeExact();
        MemorySegment config = (MemorySegment) library.cmdLnParse.invokeExact(
                MemorySegment.NULL, definitions, arguments.size(), argv, 1);
        if (config.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("pocketsphinx refused the arguments " + arguments);
        }
        return config;
    }

    /**
     * Recognises one utterance of 16-bit samples at the model's rate. When someone follows the job's
     * events the audio goes in one-second blocks whatever its length, and each time the hypothesis grows
     * the new words are emitted as a segment ({@code start_s}, {@code end_s}: the audio decoded between the
     * last segment and this one; {@code text}: the new words; {@code revised}: true when pocketsphinx
     * changed words it had already given, {@code text} then being the whole hypothesis so far).
     *
     * @return the best hypothesis, empty when nothing was recognised
     * @throws CapabilityException {@code TIMEOUT} when the job is abandoned between blocks
     */
    String recognize(short[] samples, Job job) throws CapabilityException {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment audio = call.allocateFrom(ValueLayout.JAVA_SHORT, samples);
            check((int) library.psStartUtt.invokeExact(decoder), "ps_start_utt");
            boolean streaming = job.streaming();
            if (samples.length <= wholeUtteranceLimit && !streaming) {
                check((int) library.psProcessRaw.invokeExact(decoder, audio, (long) samples.length, 0, 1),
                        "ps_process_raw");
            } else {
                String given = "";
                int givenUpTo = 0;
                for (int start = 0; start < samples.length; start += blockSamples) {
                    if (job.abandoned()) {
                        int ended = (int) library.psEndUtt.invokeExact(decoder);
                        throw CapabilityException.timeout("job abandoned during recognition");
                    }
                    int length = Math.min(blockSamples, samples.length - start);
                    MemorySegment block = audio.asSlice(2L * start, 2L * length);
                    check((int) library.psProcessRaw.invokeExact(decoder, block, (long) length, 0, 0),
                            "ps_process_raw");
                    if (streaming) {
                        String hypothesis = hypothesis();
                        if (!hypothesis.equals(given) && !hypothesis.isEmpty()) {
                            boolean revised = !hypothesis.startsWith(given);
                            String words = revised ? hypothesis : hypothesis.substring(given.length()).strip();
                            int upTo = start + length;
                            job.partial(Result.json(segment(givenUpTo, upTo, words, revised)));
                            given = hypothesis;
                            givenUpTo = upTo;
                        }
                        job.progress((start + length) / (double) samples.length, "decoded "
                                + (start + length) / PocketsphinxFactory.SAMPLE_RATE + " s");
                    }
                }
            }
            check((int) library.psEndUtt.invokeExact(decoder), "ps_end_utt");
            return hypothesis();
        } catch (CapabilityException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("pocketsphinx failed: " + e.getMessage(), e);
        }
    }

    private static Map<String, Object> segment(int fromSample, int toSample, String text, boolean revised) {
        Map<String, Object> segment = new LinkedHashMap<>();
        segment.put("start_s", fromSample / (double) PocketsphinxFactory.SAMPLE_RATE);
        segment.put("end_s", toSample / (double) PocketsphinxFactory.SAMPLE_RATE);
        segment.put("text", text);
        segment.put("revised", revised);
        return segment;
    }

    /** The best hypothesis so far (partial during an utterance, final after it), empty when none. */
    private String hypothesis() throws Throwable {
        MemorySegment hypothesis = (MemorySegment) library.psGetHyp.invokeExact(decoder, MemorySegment.NULL);
        return hypothesis.equals(MemorySegment.NULL)
                ? ""
                : hypothesis.reinterpret(Integer.MAX_VALUE).getString(0).strip();
    }

    private static void check(int status, String function) {
        if (status < 0) {
            throw new IllegalStateException(function + " returned " + status);
        }
    }

    @Override
    public void close() {
        try {
            int ignored = (int) library.psFree.invokeExact(decoder);
        } catch (Throwable e) {
            throw new IllegalStateException("ps_free failed", e);
        } finally {
            arena.close();
        }
    }
}
