package dev.capfabric.spi;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CapabilityTest {

    @Test
    void acceptsLowercaseTokens() {
        assertEquals("stt", Capability.of("stt").name());
        assertEquals("speaker-id2", Capability.of("speaker-id2").name());
    }

    @Test
    void refusesNamesThatAreNotOneSubjectToken() {
        for (String bad : new String[] {"", "STT", "a.b", "a*", ">", "1stt", "-x", "a b", "x".repeat(33)}) {
            assertFalse(Capability.isValid(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> Capability.of(bad), bad);
        }
    }

    @Test
    void payloadBaseTypeDropsParametersAndCase() {
        assertEquals("audio/wav", new Payload("Audio/WAV; rate=16000", new byte[0]).baseType());
    }

    @Test
    void jobParameterTreatsBlankAsAbsent() {
        Job job = new Job("j1", Capability.STT, Map.of("language", " ", "model", "m"), Payload.empty(),
                Instant.now().plusSeconds(5), Cancellation.never());
        assertTrue(job.parameter("language").isEmpty());
        assertEquals("m", job.parameter("model").orElseThrow());
        assertFalse(job.abandoned());
    }

    @Test
    void jobPastItsDeadlineIsAbandoned() {
        Job job = new Job("j1", Capability.STT, Map.of(), Payload.empty(), Instant.now().minusMillis(1), Cancellation.never());
        assertTrue(job.abandoned());
    }

    @Test
    void descriptionRefusesZeroConcurrency() {
        assertThrows(IllegalArgumentException.class, () -> ProviderDescription.builder().concurrency(0).build());
    }
}
