package dev.capfabric.kernel.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The plain reader either declines a body or reads exactly what Jackson's reading gives, in the same order;
 * it must never take a body Jackson refuses.
 */
class PlainObjectTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"text\":\"hello\"}", "{}", " {\r\n\t} ", "{\"text\":\"\"}", "{\"\":\"empty name\"}",
            "{ \"text\" : \"hello world\" , \"voice\" : \"en-us\" , \"speed\" : 1.5 }",
            "{\"n\":0,\"m\":-0,\"big\":123456789012345678901234567890,\"f\":-12.5e+3,\"g\":1E-7,\"h\":0.0}",
            "{\"yes\":true,\"no\":false,\"none\":null}", "{\"a\":\"1\",\"a\":\"2\"}", "{\"a\":\"1\",\"a\":null}",
            "{\"punctuation\":\"!#$%&'()*+,-./:;<=>?@[]^_`{|}~\"}"})
    void theBodiesClientsSendAreReadPlainlyAndAsJacksonReadsThem(String json) throws Exception {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        Map<String, String> plain = PlainObject.parameters(body);
        assertNotNull(plain, json);
        assertEquals(entries(JsonParameters.byJackson(body)), entries(plain), json);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"text\":\"caf\u00e9\"}", "{\"text\":\"a\\\"b\"}", "{\"text\":\"\\u0041\"}", "{\"a\":[1]}", "{\"a\":{}}",
            "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":-}", "{\"a\":1e}", "{\"a\":NaN}",
            "{\"a\":tru}", "{\"a\":truex}", "{\"a\":nul}", "{\"a\":1,}", "{,}", "{\"a\"}", "{\"a\":}", "{\"a\" 1}",
            "{\"a\":1}x", "{\"a\":1}{}", "[]", "\"a\"", "", " ", "{", "{\"a\":\"x", "{\"a\":\"tab\there\"}",
            "\ufeff{}", "{\"a\":1}\u0000", "{\"a\":\"\u007f\"}"})
    void everyOtherBodyIsLeftToJackson(String json) {
        assertNull(PlainObject.parameters(json.getBytes(StandardCharsets.UTF_8)), json);
    }

    @Test
    void aBodyEndingInByteFFIsLeftToJackson() {
        assertNull(PlainObject.parameters(new byte[]{'{', '}', (byte) 0xff}));
        assertNull(PlainObject.parameters(new byte[]{'{', '"', 'a', '"', ':', '1', (byte) 0xff, '}'}));
    }

    @Test
    void aLargeBodyOrALongNumberIsLeftToJackson() {
        String text = "x".repeat(PlainObject.MOST_BYTES);
        assertNull(PlainObject.parameters(("{\"text\":\"" + text + "\"}").getBytes(StandardCharsets.UTF_8)));
        assertNull(PlainObject.parameters(("{\"n\":" + "1".repeat(2000) + "}").getBytes(StandardCharsets.UTF_8)));
    }

    /** Generated objects and byte-level mutations of them: whatever the plain reader takes, Jackson reads the same. */
    @Test
    void generatedAndMutatedBodiesAreNeverReadOtherwiseThanJacksonReadsThem() throws Exception {
        Random random = new Random(20261204L);
        int plain = 0;
        int total = 20_000;
        for (int i = 0; i < total; i++) {
            byte[] body = generated(random).getBytes(StandardCharsets.UTF_8);
            if (i % 2 == 1) {
                body = mutated(random, body);
            }
            Map<String, String> read = PlainObject.parameters(body);
            if (read == null) {
                continue;
            }
            plain++;
            String shown = new String(body, StandardCharsets.ISO_8859_1);
            try {
                assertEquals(entries(JsonParameters.byJackson(body)), entries(read), shown);
            } catch (JsonParameters.Malformed e) {
                fail("read plainly, but Jackson refuses it (" + e.getMessage() + "): " + shown);
            }
        }
        // the check above means something only if the plain reader takes a good share of the bodies
        assertTrue(plain > total / 5, "plainly read: " + plain + " of " + total);
    }

    private static final String[] VALUES = {"\"hello\"", "\"\"", "\"a b\"", "\"caf\u00e9\"", "\"q\\\"q\"", "\"\\u00e9\"",
            "0", "-0", "7", "-12", "1.5", "-0.25e10", "3E+2", "2e-3", "01", "1.", ".5", "-", "+1", "1e", "true",
            "false", "null", "tru", "nul", "[]", "[1,\"a\"]", "{}", "{\"x\":{\"y\":1}}", "NaN", "\"tab\there\""};
    private static final String[] SPACES = {"", "", "", " ", "\n", "\t", "\r\n", "  "};

    private static String generated(Random random) {
        StringBuilder json = new StringBuilder(space(random)).append('{');
        int fields = random.nextInt(5);
        for (int f = 0; f < fields; f++) {
            if (f > 0) {
                json.append(space(random)).append(',');
            }
            String name = random.nextInt(4) == 0 ? "k" : "key" + random.nextInt(3);
            json.append(space(random)).append('"').append(name).append('"').append(space(random)).append(':')
                    .append(space(random)).append(VALUES[random.nextInt(VALUES.length)]);
        }
        return json.append(space(random)).append('}').append(space(random)).toString();
    }

    private static String space(Random random) {
        return SPACES[random.nextInt(SPACES.length)];
    }

    private static byte[] mutated(Random random, byte[] body) {
        List<Byte> bytes = new ArrayList<>();
        for (byte b : body) {
            bytes.add(b);
        }
        int at = bytes.isEmpty() ? 0 : random.nextInt(bytes.size());
        byte[] interesting = {'"', ',', ':', '{', '}', '[', '\\', '0', '-', 'e', '.', ' ', 0, (byte) 0xff, (byte) 0xc3, 0x7f, 'x'};
        byte b = interesting[random.nextInt(interesting.length)];
        switch (random.nextInt(3)) {
            case 0 -> {
                if (!bytes.isEmpty()) {
                    bytes.remove(at);
                }
            }
            case 1 -> bytes.add(at, b);
            default -> {
                if (!bytes.isEmpty()) {
                    bytes.set(at, b);
                }
            }
        }
        byte[] out = new byte[bytes.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = bytes.get(i);
        }
        return out;
    }

    private static List<Map.Entry<String, String>> entries(Map<String, String> map) {
        return List.copyOf(map.entrySet().stream().map(e -> Map.entry(e.getKey(), e.getValue())).toList());
    }
}
