package dev.capfabric.plugin.image;

import dev.capfabric.spi.CapabilityException;
import dev.capfabric.spi.CapabilityException.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageRequestTest {

    private static final Limits LIMITS = new Limits(20, new ImageSize(64, 64), new ImageSize(1024, 768), 8, 50, 4);

    @Test
    void readsEveryParameter() throws CapabilityException {
        ImageRequest request = ImageRequest.from(TestSupport.job(Map.of(
                "prompt", "a red fox", "size", "512x256", "steps", "30", "seed", "4294967295", "model", " sd-1.5 ", "n", "3")), LIMITS);

        assertEquals(new ImageRequest("a red fox", Optional.of(new ImageSize(512, 256)), OptionalInt.of(30),
                OptionalLong.of(4294967295L), Optional.of("sd-1.5"), 3), request);
    }

    @Test
    void leavesAbsentOptionsToTheBackend() throws CapabilityException {
        ImageRequest request = ImageRequest.from(TestSupport.job(Map.of("prompt", "a red fox")), LIMITS);

        assertEquals(new ImageRequest("a red fox", Optional.empty(), OptionalInt.empty(), OptionalLong.empty(),
                Optional.empty(), 1), request);
    }

    @Test
    void promptAtTheLimitInCharactersNotBytesIsAccepted() throws CapabilityException {
        String twentyEmoji = "🦊".repeat(20);

        assertEquals(twentyEmoji, ImageRequest.from(TestSupport.job(Map.of("prompt", twentyEmoji)), LIMITS).prompt());
    }

    @ParameterizedTest(name = "{0}={1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            prompt |                          | BAD_INPUT   | prompt is required
            prompt | '   '                    | BAD_INPUT   | prompt is required
            prompt | 123456789012345678901    | TOO_LARGE   | prompt has 21 characters; this provider takes at most 20
            size   | big                      | BAD_INPUT   | size must be WIDTHxHEIGHT in pixels, such as 512x512; got 'big'
            size   | 512*512                  | BAD_INPUT   | size must be WIDTHxHEIGHT
            size   | 512x                     | BAD_INPUT   | size must be WIDTHxHEIGHT
            size   | -512x512                 | BAD_INPUT   | size must be WIDTHxHEIGHT
            size   | 0x512                    | BAD_INPUT   | size must be WIDTHxHEIGHT
            size   | 32x512                   | BAD_INPUT   | size 32x512 is too small: width and height must be at least 64x64
            size   | 1024x1024                | TOO_LARGE   | size 1024x1024 is too large: this provider makes images up to 1024x768
            size   | 99999x99999              | TOO_LARGE   | size 99999x99999 is too large
            size   | 516x512                  | BAD_INPUT   | size 516x512: width and height must be multiples of 8
            steps  | many                     | BAD_INPUT   | steps must be a whole number from 1 to 50; got 'many'
            steps  | 20.5                     | BAD_INPUT   | steps must be a whole number from 1 to 50; got '20.5'
            steps  | 0                        | BAD_INPUT   | steps must be a whole number from 1 to 50; got 0
            steps  | 51                       | BAD_INPUT   | steps must be a whole number from 1 to 50; got 51
            seed   | -1                       | BAD_INPUT   | seed must be a whole number from 0 to 4294967295; got -1
            seed   | 4294967296               | BAD_INPUT   | seed must be a whole number from 0 to 4294967295; got 4294967296
            seed   | 99999999999999999999999  | BAD_INPUT   | seed must be a whole number from 0 to 4294967295; got '99999999999999999999999'
            n      | 0                        | BAD_INPUT   | n must be a whole number from 1 to 4; got 0
            n      | 5                        | BAD_INPUT   | n must be a whole number from 1 to 4; got 5
            n      | true                     | BAD_INPUT   | n must be a whole number from 1 to 4; got 'true'
            """)
    void refusesInvalidParameterWithAClearMessage(String name, String value, Kind kind, String message) {
        Map<String, String> parameters = new HashMap<>(Map.of("prompt", "a red fox"));
        parameters.put(name, value == null ? "" : value);

        CapabilityException failure = assertThrows(CapabilityException.class,
                () -> ImageRequest.from(TestSupport.job(parameters), LIMITS));

        assertEquals(kind, failure.kind());
        assertTrue(failure.getMessage().startsWith(message), failure.getMessage());
    }

    @Test
    void missingPromptMessageShowsTheExpectedBody() {
        CapabilityException failure = assertThrows(CapabilityException.class,
                () -> ImageRequest.from(TestSupport.job(Map.of("size", "512x512")), LIMITS));

        assertEquals("prompt is required: send a JSON body such as {\"prompt\": \"a lighthouse at dusk\"}", failure.getMessage());
    }

    @Test
    void longGarbageIsAbbreviatedInTheMessage() {
        CapabilityException failure = assertThrows(CapabilityException.class,
                () -> ImageRequest.from(TestSupport.job(Map.of("prompt", "fox", "size", "x".repeat(10_000))), LIMITS));

        assertTrue(failure.getMessage().length() < 200, failure.getMessage());
    }
}
