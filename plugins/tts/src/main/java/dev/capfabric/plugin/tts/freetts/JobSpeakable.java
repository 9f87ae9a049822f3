package dev.capfabric.plugin.tts.freetts;

import com.sun.speech.freetts.FreeTTSSpeakable;
import org.w3c.dom.Document;

import java.io.InputStream;
import java.util.function.BooleanSupplier;

import static java.util.Objects.requireNonNull;

/**
 * One job's text as FreeTTS takes it. It reports itself completed as soon as the job is abandoned, which
 * makes FreeTTS stop between utterances.
 *
 * <p>Output runs on the calling thread (see {@link FreeTtsVoiceSet}), so by the time FreeTTS waits for
 * completion the last utterance has been output or the job was abandoned: waiting never blocks.
 */
final class JobSpeakable implements FreeTTSSpeakable {

    private final String text;
    private final BooleanSupplier abandoned;
    private volatile boolean completed;
    private volatile boolean cancelled;

    JobSpeakable(String text, BooleanSupplier abandoned) {
        this.text = requireNonNull(text, "text is null");
        this.abandoned = requireNonNull(abandoned, "abandoned is null");
    }

    /** True when FreeTTS output every utterance to the end. */
    boolean finished() {
        return completed && !cancelled;
    }

    @Override
    public void started() {
    }

    @Override
    public void completed() {
        completed = true;
    }

    @Override
    public void cancelled() {
        cancelled = true;
    }

    @Override
    public boolean isCompleted() {
        return completed || cancelled || abandoned.getAsBoolean();
    }

    @Override
    public boolean waitCompleted() {
        return finished();
    }

    @Override
    public boolean isPlainText() {
        return true;
    }

    @Override
    public boolean isStream() {
        return false;
    }

    @Override
    public boolean isDocument() {
        return false;
    }

    @Override
    public String getText() {
        return text;
    }

    @Override
    public Document getDocument() {
        return null;
    }

    @Override
    public InputStream getInputStream() {
        return null;
    }
}
