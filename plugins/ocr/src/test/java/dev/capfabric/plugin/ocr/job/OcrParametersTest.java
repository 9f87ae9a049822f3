package dev.capfabric.plugin.ocr.job;

import dev.capfabric.plugin.ocr.TestJobs;
import dev.capfabric.spi.CapabilityException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OcrParametersTest {

    @Test
    void readsLanguageAndPageSegmentation() throws Exception {
        OcrParameters parameters = OcrParameters.from(TestJobs.ocr(new byte[0], "image/png",
                Map.of("language", " eng+chi_sim ", "psm", "7")));

        assertEquals(new OcrParameters(Optional.of("eng+chi_sim"), OptionalInt.of(7)), parameters);
    }

    @Test
    void leavesAbsentParametersEmpty() throws Exception {
        OcrParameters parameters = OcrParameters.from(TestJobs.ocr(new byte[0], "image/png", Map.of("language", " ")));

        assertEquals(new OcrParameters(Optional.empty(), OptionalInt.empty()), parameters);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "14", "3.0", "auto", "99999999999"})
    void refusesPageSegmentationOutsideZeroToThirteen(String psm) {
        CapabilityException bad = assertThrows(CapabilityException.class,
                () -> OcrParameters.from(TestJobs.ocr(new byte[0], "image/png", Map.of("psm", psm))));

        assertEquals(CapabilityException.Kind.BAD_INPUT, bad.kind());
    }

    @ParameterizedTest
    @ValueSource(strings = {"../eng", "eng deu", "eng+", "a/b", "abcdefghijabcdefghijabcdefghijabcdefghij"})
    void refusesMalformedLanguages(String language) {
        CapabilityException bad = assertThrows(CapabilityException.class,
                () -> OcrParameters.from(TestJobs.ocr(new byte[0], "image/png", Map.of("language", language))));

        assertEquals(CapabilityException.Kind.BAD_INPUT, bad.kind());
    }
}
