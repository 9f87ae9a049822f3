package dev.capfabric.plugin.tts.engine;

import dev.capfabric.plugin.tts.TestContext;
import dev.capfabric.plugin.tts.TestJobs;
import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityProvider;
import dev.capfabric.spi.Creation;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How a command-line engine that misbehaves is handled: killed, bounded, reported. */
class CommandLineProviderTest {

    @Test
    void engineStillRunningAtTheDeadlineIsKilled() throws Exception {
        FakeFlite fake = FakeFlite.speakingWith("exec sleep 60");
        TestContext context = TestContext.of(Map.of("binary", fake.script().toString()));
        CapabilityProvider provider = ready(context);

        CapabilityException e = assertThrows(CapabilityException.class,
                () -> provider.handle(TestJobs.job(Map.of("text", "hello"), Duration.ofMillis(700))));

        assertEquals(CapabilityException.Kind.TIMEOUT, e.kind());
        assertTrue(e.getMessage().contains("did not finish before the deadline and was killed"), e.getMessage());
        assertFalse(ProcessHandle.of(fake.pid()).map(ProcessHandle::isAlive).orElse(false), "the engine process is gone");
        assertWorkFolderEmpty(context);
    }

    @Test
    void engineWritingWithoutEndIsKilledAtTheAudioBound() throws Exception {
        FakeFlite fake = FakeFlite.speakingWith("exec yes speech > \"$out\"");
        TestContext context = TestContext.of(Map.of("binary", fake.script().toString(), "max-audio-bytes", "200000"));
        CapabilityProvider provider = ready(context);

        CapabilityException e = assertThrows(CapabilityException.class, () -> provider.handle(TestJobs.text("hello")));

        assertEquals(CapabilityException.Kind.TOO_LARGE, e.kind());
        assertTrue(e.getMessage().contains("200000"), e.getMessage());
        assertFalse(ProcessHandle.of(fake.pid()).map(ProcessHandle::isAlive).orElse(false), "the engine process is gone");
        assertWorkFolderEmpty(context);
    }

    @Test
    void failingEngineIsAnInternalErrorCarryingWhatItSaid() throws Exception {
        CapabilityProvider provider = ready(TestContext.of(Map.of("binary",
                FakeFlite.speakingWith("echo 'cannot open audio database' >&2; exit 3").script().toString())));

        CapabilityException e = assertThrows(CapabilityException.class, () -> provider.handle(TestJobs.text("hello")));

        assertEquals(CapabilityException.Kind.INTERNAL, e.kind());
        assertTrue(e.getMessage().contains("exit status 3") && e.getMessage().contains("cannot open audio database"), e.getMessage());
    }

    @Test
    void garbageInsteadOfWavIsAnInternalError() throws Exception {
        CapabilityProvider provider = ready(TestContext.of(Map.of("binary",
                FakeFlite.speakingWith("echo 'ID3 this is an mp3' > \"$out\"").script().toString())));

        CapabilityException e = assertThrows(CapabilityException.class, () -> provider.handle(TestJobs.text("hello")));

        assertEquals(CapabilityException.Kind.INTERNAL, e.kind());
        assertTrue(e.getMessage().contains("unreadable WAV"), e.getMessage());
    }

    @Test
    void engineThatDoesNotAnswerLikeFliteIsUnusable() {
        Creation creation = new FliteFactory().create(TestContext.of(Map.of("binary", "/bin/false")));

        String reason = assertInstanceOf(Creation.Unusable.class, creation).reason();
        assertTrue(reason.contains("does not answer as expected") && reason.contains("exit status 1"), reason);
    }

    @Test
    void healthGoesDownWhenTheBinaryIsRemoved() throws Exception {
        FakeFlite fake = FakeFlite.speakingWith("exit 0");
        CapabilityProvider provider = ready(TestContext.of(Map.of("binary", fake.script().toString())));
        assertTrue(provider.health().usable());
        String detail = provider.health().detail();
        assertTrue(detail.startsWith("ready: ") && detail.contains(fake.script().toString()), "a sentence, not a bare path: " + detail);

        Files.delete(fake.script());

        assertFalse(provider.health().usable());
        assertTrue(provider.health().detail().contains("uninstalled"), provider.health().detail());
    }

    private static CapabilityProvider ready(TestContext context) {
        Creation creation = new FliteFactory().create(context);
        return assertInstanceOf(Creation.Ready.class, creation, creation.toString()).provider();
    }

    private static void assertWorkFolderEmpty(TestContext context) throws Exception {
        try (Stream<Path> left = Files.list(context.dataDir().resolve("work"))) {
            assertEquals(0, left.count(), "job folders are deleted");
        }
    }
}
