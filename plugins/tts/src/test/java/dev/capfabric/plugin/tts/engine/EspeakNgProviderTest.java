package dev.capfabric.plugin.tts.engine;

import dev.capfabric.plugin.tts.SpokenAudio;
import dev.capfabric.plugin.tts.TestContext;
import dev.capfabric.plugin.tts.TestJobs;
import dev.capfabric.plugin.tts.speech.Voice;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.ProviderDescription;
import dev.capfabric.spi.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Against the real espeak-ng (Debian package espeak-ng). */
class EspeakNgProviderTest {

    private static final String SENTENCE = "The quick brown fox jumps over the lazy dog.";

    private static CapabilityProvider provider;

    @BeforeAll
    static void create() {
        Creation creation = new EspeakNgFactory().create(TestContext.of(Map.of()));
        provider = assertInstanceOf(Creation.Ready.class, creation, creation.toString()).provider();
    }

    @AfterAll
    static void close() {
        provider.close();
    }

    @Test
    void speaksASentenceInAmericanEnglishByDefault() throws Exception {
        Result result = provider.handle(TestJobs.text(SENTENCE));

        SpokenAudio audio = SpokenAudio.of(result).assertSpeech(1.5);
        assertEquals(22_050f, audio.sampleRate());
        assertEquals("en-us", result.metadata().get("voice"));
    }

    @Test
    void languagePicksTheVoiceThatSpeaksIt() throws Exception {
        Result result = provider.handle(TestJobs.job(Map.of("text", "Guten Morgen, wie geht es Ihnen?", "language", "de-DE")));

        SpokenAudio.of(result).assertSpeech(1.0);
        assertEquals("de", result.metadata().get("voice"));
    }

    @Test
    void offersEveryVoiceTheEngineLists() throws IOException, InterruptedException {
        Process voices = new ProcessBuilder("espeak-ng", "--voices").redirectErrorStream(true).start();
        List<String> rows = new String(voices.getInputStream().readAllBytes()).lines().skip(1).filter(l -> !l.isBlank()).toList();
        voices.waitFor();

        ProviderDescription description = provider.describe();
        assertEquals(rows.size(), description.voices().size(), "one voice per row of espeak-ng --voices");
        assertTrue(description.languages().containsAll(List.of("en-us", "en-gb", "de", "fr-fr")), description.languages().toString());
        assertTrue(description.voices().contains("sit/yue-Latn-jyutping"), "a second voice for one language is named by its file");
        assertTrue(description.artifacts().getFirst().path().contains("espeak-ng-data"), description.artifacts().toString());
        assertTrue(((String) description.extra().get("engine")).matches("eSpeak NG text-to-speech: [0-9.]+"), description.extra().toString());
    }

    @Test
    void sharedLanguageCodesGetDistinctNames() {
        String table = """
                Pty Language       Age/Gender VoiceName          File                 Other Languages
                 5  yue             --/M      Chinese_(Cantonese) sit/yue              (zh-yue 5)(zh 8)
                 5  yue             --/M      Chinese_(Cantonese,_latin_as_Jyutping) sit/yue-Latn-jyutping (zh-yue 5)(zh 8)
                 2  en-us           --/M      English_(America)  gmw/en-US            (en 3)
                """;

        assertEquals(List.of(Voice.of("yue", "yue"), Voice.of("sit/yue-Latn-jyutping", "yue"), Voice.of("en-us", "en-us")),
                EspeakNgFactory.listedVoices(table));
    }

    @Test
    void fasterSpeedGivesShorterSpeech() throws Exception {
        double slow = SpokenAudio.of(provider.handle(TestJobs.job(Map.of("text", SENTENCE, "speed", "0.5")))).seconds();
        double fast = SpokenAudio.of(provider.handle(TestJobs.job(Map.of("text", SENTENCE, "speed", "2.5")))).seconds();

        assertTrue(slow > 2.5 * fast, "speed 0.5 gave " + slow + " s, speed 2.5 gave " + fast + " s");
    }

    @Test
    void languageNoVoiceSpeaksIsUnprocessable() {
        CapabilityException e = assertThrows(CapabilityException.class,
                () -> provider.handle(TestJobs.job(Map.of("text", SENTENCE, "language", "tlh"))));

        assertEquals(CapabilityException.Kind.UNPROCESSABLE, e.kind());
    }

    @Test
    void missingBinaryMakesItUnusableWithTheReason() {
        Creation creation = new EspeakNgFactory().create(TestContext.of(Map.of("binary", "/nonexistent/espeak-ng")));

        String reason = assertInstanceOf(Creation.Unusable.class, creation).reason();
        assertTrue(reason.contains("/nonexistent/espeak-ng") && reason.contains("Debian package espeak-ng"), reason);
    }
}
