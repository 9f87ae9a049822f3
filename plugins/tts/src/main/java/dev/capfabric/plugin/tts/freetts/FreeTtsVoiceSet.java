package dev.capfabric.plugin.tts.freetts;

import com.sun.speech.freetts.OutputQueue;
import com.sun.speech.freetts.en.us.CMUDiphoneVoice;
import com.sun.speech.freetts.en.us.cmu_us_kal.KevinVoiceDirectory;
import com.sun.speech.freetts.lexicon.LexiconImpl;
import dev.capfabric.plugin.tts.audio.PcmAudio;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static java.util.Objects.requireNonNull;

/**
 * One independent copy of FreeTTS's general-purpose voices (kevin, kevin16) with their own lexicon
 * instance and audio sink. A set serves one job at a time; the provider keeps as many sets as jobs it
 * runs at once.
 *
 * <p>Why this is safe to run next to other sets: FreeTTS keeps its mutable state in the voice, its
 * utterance processors, its lexicon instance and its audio player, all owned by this set. Its static
 * state is either initialised once by class initialisation (tables, patterns) or touched only while
 * voices are loaded (the compiled-lexicon cache in {@link LexiconImpl}, shared read-only afterwards,
 * and a load timer), which is why loading holds the lock described at {@link #load}. The
 * {@code VoiceManager} and its system properties are not used: voices come straight from their
 * directory class, so nothing depends on the system class loader or on global configuration.
 *
 * <p>Output is synchronous: each voice is allocated without FreeTTS's output thread, so an utterance is
 * rendered on the job's own thread and no audio of one job can reach the next.
 */
final class FreeTtsVoiceSet implements AutoCloseable {

    private final Map<String, CMUDiphoneVoice> voices;
    private final Map<String, Float> normalStretch;
    private final CapturingAudioPlayer player;

    private FreeTtsVoiceSet(Map<String, CMUDiphoneVoice> voices, Map<String, Float> normalStretch, CapturingAudioPlayer player) {
        this.voices = voices;
        this.normalStretch = normalStretch;
        this.player = player;
    }

    /**
     * Loads and allocates a new set. Loading holds the monitor of {@link LexiconImpl}'s class, the
     * scope of FreeTTS's load-time static state: one load at a time per copy of FreeTTS (per module
     * layer), while loads in other layers, with their own copy of those statics, are not held up.
     *
     * @throws IllegalStateException when FreeTTS cannot load its voice data
     */
    static FreeTtsVoiceSet load() {
        CapturingAudioPlayer player = new CapturingAudioPlayer();
        Map<String, CMUDiphoneVoice> voices = new LinkedHashMap<>();
        Map<String, Float> normalStretch = new LinkedHashMap<>();
        synchronized (LexiconImpl.class) {
            for (com.sun.speech.freetts.Voice voice : new KevinVoiceDirectory().getVoices()) {
                if (!(voice instanceof CMUDiphoneVoice diphone)) {
                    continue;
                }
                diphone.setAudioPlayer(player);
                // an external queue stops allocate() from starting FreeTTS's output thread ...
                diphone.setOutputQueue(new OutputQueue());
                allocate(diphone);
                // ... and no queue at all makes speak() output each utterance on the calling thread
                diphone.setOutputQueue(null);
                voices.put(diphone.getName(), diphone);
                normalStretch.put(diphone.getName(), diphone.getDurationStretch());
            }
        }
        if (voices.isEmpty()) {
            throw new IllegalStateException("FreeTTS's KevinVoiceDirectory offered no diphone voice");
        }
        return new FreeTtsVoiceSet(voices, normalStretch, player);
    }

    /**
     * The diphone voices FreeTTS offers, as described by its voice directory, none of them loaded:
     * what a set would hold, learnt without loading one.
     */
    static List<CMUDiphoneVoice> available() {
        List<CMUDiphoneVoice> voices = new ArrayList<>();
        for (com.sun.speech.freetts.Voice voice : new KevinVoiceDirectory().getVoices()) {
            if (voice instanceof CMUDiphoneVoice diphone) {
                voices.add(diphone);
            }
        }
        return voices;
    }

    private static void allocate(CMUDiphoneVoice voice) {
        try {
            voice.allocate();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Error e) {
            // FreeTTS reports a voice or lexicon it cannot read as java.lang.Error wrapping the IOException
            throw new IllegalStateException("FreeTTS cannot load voice " + voice.getName() + ": "
                    + (e.getCause() != null ? e.getCause() : e), e);
        }
    }

    /** The voices of this set, in FreeTTS's order. */
    List<CMUDiphoneVoice> voices() {
        return new ArrayList<>(voices.values());
    }

    /**
     * Speaks a text with one voice.
     *
     * @param voiceName one of {@link #voices()}' names
     * @param speed     speaking rate relative to the voice's normal rate
     * @param abandoned checked between utterances and on every write; true stops synthesis
     * @param maxBytes  the most audio bytes collected; beyond them synthesis stops
     * @return what was spoken: complete when {@link Outcome#complete()}
     */
    Outcome speak(String voiceName, String text, double speed, BooleanSupplier abandoned, long maxBytes) {
        CMUDiphoneVoice voice = requireNonNull(voices.get(voiceName), () -> "no FreeTTS voice " + voiceName);
        voice.setDurationStretch((float) (normalStretch.get(voiceName) / speed));
        JobSpeakable speakable = new JobSpeakable(text, abandoned);
        player.start(abandoned, maxBytes);
        voice.speak(speakable);
        boolean overflowed = player.overflowed();
        return new Outcome(player.finish(), speakable.finished() && !overflowed, overflowed);
    }

    /**
     * What {@link #speak} produced.
     *
     * @param audio      the samples collected
     * @param complete   whether every utterance was spoken
     * @param overflowed whether output stopped because the audio outgrew the bound
     */
    record Outcome(PcmAudio audio, boolean complete, boolean overflowed) {
    }

    @Override
    public void close() {
        for (CMUDiphoneVoice voice : voices.values()) {
            voice.deallocate();
        }
    }
}
