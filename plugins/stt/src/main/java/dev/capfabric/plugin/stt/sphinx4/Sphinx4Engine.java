package dev.capfabric.plugin.stt.sphinx4;

import dev.capfabric.plugin.stt.audio.SpeechAudio;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Job;
import edu.cmu.sphinx.api.Configuration;
import edu.cmu.sphinx.api.Context;
import edu.cmu.sphinx.recognizer.Recognizer;
import edu.cmu.sphinx.result.Result;

import java.io.ByteArrayInputStream;
import java.io.IOException;
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

    String recognize(SpeechAudio audio, Job job) throws CapabilityException {
        ByteArrayInputStream source = new ByteArrayInputStream(audio.littleEndianBytes());
        context.setSpeechSource(source);
        StringJoiner text = new StringJoiner(" ");
        Result segment;
        while ((segment = recognizer.recognize()) != null) {
            String hypothesis = segment.getBestResultNoFiller().strip();
            if (!hypothesis.isEmpty()) {
                text.add(hypothesis);
            }
            if (job.abandoned()) {
                skipRest(source);
                throw CapabilityException.timeout("job abandoned during recognition");
            }
        }
        return text.toString();
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
