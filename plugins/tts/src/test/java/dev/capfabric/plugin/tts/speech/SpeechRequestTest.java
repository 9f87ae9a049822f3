package dev.capfabric.plugin.tts.speech;

import dev.capfabric.plugin.tts.TestJobs;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.Job;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpeechRequestTest {

    private static final SpeechRules ENGLISH = new SpeechRules("engine", 20,
            List.of(Voice.of("slt", "en"), Voice.of("kal", "en")), Optional.of("slt"), 0.5, 2.0, Set.of(OutputFormat.WAV));

    private static final SpeechRules MANY_LANGUAGES = new SpeechRules("multi", 5000,
            List.of(Voice.of("de", "de"), Voice.of("en-gb", "en-gb"), Voice.of("en-us", "en-us"), Voice.of("fr-fr", "fr-fr")),
            Optional.of("en-gb"), 0.5, 2.5, Set.of(OutputFormat.WAV));

    private static final SpeechRules ANY_VOICE = new SpeechRules("remote", 5000, List.of(), Optional.of("alloy"), 0.25, 4.0,
            Set.of(OutputFormat.WAV, OutputFormat.MP3));

    @Test
    void defaultsToTheDefaultVoiceNormalSpeedAndWav() throws Exception {
        SpeechRequest request = SpeechRequest.from(TestJobs.text("Hello there."), ENGLISH);

        assertEquals(new SpeechRequest("Hello there.", Optional.of("slt"), 1.0, OutputFormat.WAV), request);
    }

    @Test
    void missingOrBlankTextIsBadInput() {
        assertBad(TestJobs.job(Map.of()), ENGLISH, "text is required");
        assertBad(TestJobs.job(Map.of("text", "   ")), ENGLISH, "text is required");
        assertBad(TestJobs.job(Map.of("voice", "slt")), ENGLISH, "text is required");
    }

    @Test
    void textAboveTheLimitIsTooLargeNamingTheLimit() {
        assertTooLarge(TestJobs.text("x".repeat(21)), ENGLISH, "text is 21 characters; engine takes at most 20");
        // characters, not UTF-16 units: 20 emoji are within the limit
        assertEquals(40, assertOk(TestJobs.text("\uD83D\uDE00".repeat(20)), ENGLISH).text().length());
    }

    @Test
    void takesAPlainTextBody() throws Exception {
        assertEquals("Plain words.", SpeechRequest.from(TestJobs.plainText("Plain words."), ENGLISH).text());
        assertTooLarge(TestJobs.plainText("y".repeat(25)), ENGLISH, "at most 20");
    }

    @Test
    void controlCharactersBecomeSpaces() {
        assertEquals("a b\nc\td", assertOk(TestJobs.text("a\u0000b\nc\td"), ENGLISH).text());
    }

    @Test
    void speedMustBeANumberInTheProvidersRange() {
        assertEquals(1.5, assertOk(TestJobs.job(Map.of("text", "hi", "speed", " 1.5 ")), ENGLISH).speed());
        assertBad(TestJobs.job(Map.of("text", "hi", "speed", "fast")), ENGLISH, "speed must be a number");
        assertBad(TestJobs.job(Map.of("text", "hi", "speed", "NaN")), ENGLISH, "outside 0.50..2.00");
        assertBad(TestJobs.job(Map.of("text", "hi", "speed", "0")), ENGLISH, "outside 0.50..2.00");
        assertBad(TestJobs.job(Map.of("text", "hi", "speed", "2.01")), ENGLISH, "outside 0.50..2.00");
        assertBad(TestJobs.job(Map.of("text", "hi", "speed", "-1")), ENGLISH, "outside");
    }

    @Test
    void formatsOutsideTheProvidersAreUnprocessable() {
        assertUnprocessable(TestJobs.job(Map.of("text", "hi", "format", "mp3")), ENGLISH, "not produced by engine; it produces: wav");
        assertUnprocessable(TestJobs.job(Map.of("text", "hi", "format", "midi")), ANY_VOICE, "it produces: wav, mp3");
        assertEquals(OutputFormat.MP3, assertOk(TestJobs.job(Map.of("text", "hi", "response_format", "MP3")), ANY_VOICE).format());
    }

    @Test
    void voiceMustBeOneTheProviderHasIgnoringCase() {
        assertEquals(Optional.of("kal"), assertOk(TestJobs.job(Map.of("text", "hi", "voice", "KAL")), ENGLISH).voice());
        assertUnprocessable(TestJobs.job(Map.of("text", "hi", "voice", "nobody")), ENGLISH, "voices: slt, kal");
    }

    @Test
    void aProviderThatKnowsNoVoicesPassesAnyNameOn() {
        assertEquals(Optional.of("af_bella"), assertOk(TestJobs.job(Map.of("text", "hi", "voice", "af_bella")), ANY_VOICE).voice());
        assertEquals(Optional.of("alloy"), assertOk(TestJobs.text("hi"), ANY_VOICE).voice());
    }

    @Test
    void languagePicksAVoiceThatSpeaksIt() {
        assertEquals(Optional.of("en-gb"), assertOk(TestJobs.job(Map.of("text", "hi", "language", "en")), MANY_LANGUAGES).voice());
        assertEquals(Optional.of("en-us"), assertOk(TestJobs.job(Map.of("text", "hi", "language", "en-US")), MANY_LANGUAGES).voice());
        assertEquals(Optional.of("de"), assertOk(TestJobs.job(Map.of("text", "hi", "language", "de-AT")), MANY_LANGUAGES).voice());
        assertEquals(Optional.of("fr-fr"), assertOk(TestJobs.job(Map.of("text", "hi", "language", "fr")), MANY_LANGUAGES).voice());
        assertUnprocessable(TestJobs.job(Map.of("text", "hi", "language", "ja")), MANY_LANGUAGES, "no multi voice speaks 'ja'");
        assertUnprocessable(TestJobs.job(Map.of("text", "hi", "voice", "de", "language", "fr")), MANY_LANGUAGES,
                "voice 'de' speaks de, not 'fr'");
    }

    private static SpeechRequest assertOk(Job job, SpeechRules rules) {
        try {
            return SpeechRequest.from(job, rules);
        } catch (CapabilityException e) {
            throw new AssertionError("refused: " + e.getMessage(), e);
        }
    }

    private static void assertBad(Job job, SpeechRules rules, String expected) {
        assertRefused(job, rules, CapabilityException.Kind.BAD_INPUT, expected);
    }

    private static void assertTooLarge(Job job, SpeechRules rules, String expected) {
        assertRefused(job, rules, CapabilityException.Kind.TOO_LARGE, expected);
    }

    private static void assertUnprocessable(Job job, SpeechRules rules, String expected) {
        assertRefused(job, rules, CapabilityException.Kind.UNPROCESSABLE, expected);
    }

    private static void assertRefused(Job job, SpeechRules rules, CapabilityException.Kind kind, String expected) {
        CapabilityException e = assertThrows(CapabilityException.class, () -> SpeechRequest.from(job, rules));
        assertEquals(kind, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' lacks '" + expected + "'");
    }
}
