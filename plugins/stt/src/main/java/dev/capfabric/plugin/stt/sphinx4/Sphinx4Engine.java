package dev.capfabric.plugin.stt.sphinx4;

import dev.capfabric.plugin.stt.audio.SpeechAudio;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Job;
import edu.cmu.sphinx.api.Configuration;
import edu.cmu.sphinx.api.Context;
import edu.cmu.sphinx.recognizer.Recognizer;
import edu.cmu.sphinx.result.Result;
import edu.cmu.sphinx.result.WordResult;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * One Sphinx4 recogniser with its model loaded. Not thread-safe: one job at a time, which
 * {@link dev.capfabric.plugin.stt.EnginePool} guarantees. Sphinx4 splits the audio at pauses and
 * returns one result per segment; the job's cancellation is checked between segments.
 *
 * <p>Sphinx4's {@code StreamSpeechRecognizer} reloads the language model and dictionary and rebuilds
 * its search graph on every stream (seconds of work); this engine allocates the recogniser once
 * and only swaps the audio source per job.
 */
final class Sphinx4Engine implements AutoCloseable {

    static final int SAMPLE_RATE = 16_000;

    private final Context context;
    private final Recognizer recognizer;

    /**
     * @param model  the model to load
     * @param config URL of the XML configuration, see {@link Sphinx4Setup}
     */
    Sphinx4Engine(Sphinx4Model model, String config) throws IOException {
        Configuration configuration = new Configuration();
        configuration.setAcousticModelPath(model.acousticModel());
        configuration.setDictionaryPath(model.dictionary());
        configuration.setLanguageModelPath(model.languageModel());
        configuration.setSampleRate(SAMPLE_RATE);
        context = new Context(config, configuration);
        recognizer = context.getInstance(Recognizer.class);
        recognizer.allocate();
    }

    /**
     * The audio's transcript, segment by segment; when someone follows the job, each segment with words
     * is handed over as soon as it is decoded ({@code start_s}, {@code end_s} and {@code text}), with the
     * share of the audio read as progress.
     */
    String recognize(SpeechAudio audio, Job job) throws CapabilityException {
        byte[] bytes = audio.littleEndianBytes();
        ByteArrayInputStream source = new ByteArrayInputStream(bytes);
        context.setSpeechSource(source);
        StringJoiner text = new StringJoiner(" ");
        Result segment;
        while ((segment = recognizer.recognize()) != null) {
            String hypothesis = segment.getBestResultNoFiller().strip();
            if (!hypothesis.isEmpty()) {
                text.add(hypothesis);
                if (job.streaming()) {
                    segment(segment, hypothesis).ifPresent(piece -> job.partial(dev.capfabric.spi.Result.json(piece)));
                }
            }
            if (job.streaming() && bytes.length > 0) {
                job.progress(1 - source.available() / (double) bytes.length, "decoded a segment");
            }
            if (job.abandoned()) {
                skipRest(source);
                throw CapabilityException.timeout("job abandoned during recognition");
            }
        }
        return text.toString();
    }

    /** A segment's words with the time they span, from its first word's start to its last word's end. */
    private static java.util.Optional<Map<String, Object>> segment(Result segment, String hypothesis) {
        List<WordResult> words = segment.getTimedBestResult(false);
        if (words == null || words.isEmpty()) {
            return java.util.Optional.empty();
        }
        Map<String, Object> piece = new LinkedHashMap<>();
        piece.put("start_s", words.getFirst().getTimeFrame().getStart() / 1000.0);
        piece.put("end_s", words.getLast().getTimeFrame().getEnd() / 1000.0);
        piece.put("text", hypothesis);
        return java.util.Optional.of(piece);
    }

    /**
     * Ends the stream early and lets the frames already inside Sphinx4's front end run out, so that
     * none of them is taken for the beginning of the next job's audio.
     */
    private void skipRest(ByteArrayInputStream source) {
        source.skip(source.available());
        while (recognizer.recognize() != null) {
            // discarding what was left of the abandoned job
        }
    }

    @Override
    public void close() {
        recognizer.deallocate();
    }
}
