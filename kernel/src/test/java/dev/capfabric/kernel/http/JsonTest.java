package dev.capfabric.kernel.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Maps are written by the streaming path: the text must be what the databind writes, whatever they hold. */
class JsonTest {

    record NodeRef(String nodeId, int activeJobs) {
    }

    enum Kind { SERVED }

    @Test
    void aMapIsWrittenAsTheDatabindWritesIt() throws Exception {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("start_ms", 0L);
        nested.put("end_ms", 1250L);
        nested.put("text", "héllo \"quoted\"\n\u0001");
        Map<Object, Object> odd = new LinkedHashMap<>();
        odd.put(7, "number key");
        odd.put(Kind.SERVED, "enum key");
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("text", "ok");
        value.put("nothing", null);
        value.put("yes", true);
        value.put("int", Integer.MIN_VALUE);
        value.put("long", Long.MAX_VALUE);
        value.put("double", 0.1 + 0.2);
        value.put("nan", Double.NaN);
        value.put("float", 1.5f);
        value.put("decimal", new BigDecimal("12345678901234567890.000001"));
        value.put("short", (short) 3);
        value.put("segments", List.of(nested, nested));
        value.put("mixed", Arrays.asList(1, "two", null, List.of(), Map.of()));
        value.put("record", new NodeRef("n1", 2));
        value.put("records", List.of(new NodeRef("n2", 0)));
        value.put("bytes", new byte[] {1, 2, 3});
        value.put("odd_keys", odd);
        value.put("kind", Kind.SERVED);

        assertEquals(new String(Json.MAPPER.writeValueAsBytes(value)), new String(Json.bytes(value)));
    }

    @Test
    void emptyAndSingleValueMaps() throws Exception {
        for (Map<String, ?> value : List.<Map<String, ?>>of(Map.of(), Map.of("text", "ok"), Map.of("n", 1))) {
            assertEquals(new String(Json.MAPPER.writeValueAsBytes(value)), new String(Json.bytes(value)));
        }
    }

    @Test
    void smallFlatMapsAreWrittenAsTheDatabindWritesThem() throws Exception {
        // the direct path for text, whole numbers, booleans and nulls: every escape Jackson makes, and the edges of it
        StringBuilder controls = new StringBuilder();
        for (char c = 0; c < 0x20; c++) {
            controls.append(c);
        }
        List<String> texts = List.of("", "ok", "\"quoted\"", "back\\slash", controls.toString(), "\u007f", "</script>",
                "a/b", "héllo wörld", "日本語", "emoji \uD83D\uDE00", "\u2028\u2029", "tab\tnew\nline", " ".repeat(300));
        for (String text : texts) {
            Map<String, Object> value = new LinkedHashMap<>();
            value.put("text", text);
            value.put(text, "key " + text);
            value.put("n", 42);
            value.put("min", Integer.MIN_VALUE);
            value.put("long", Long.MIN_VALUE);
            value.put("yes", true);
            value.put("no", false);
            value.put("none", null);
            assertEquals(new String(Json.MAPPER.writeValueAsBytes(value)), new String(Json.bytes(value)), text);
        }
        Map<String, Object> many = new LinkedHashMap<>();
        for (int i = 0; i < 40; i++) {
            many.put("k" + i, i % 2 == 0 ? "v" + i : i);
        }
        assertEquals(new String(Json.MAPPER.writeValueAsBytes(many)), new String(Json.bytes(many)), "more entries than the direct path takes");
    }

    @Test
    void quotedTextIsWhatTheGeneratorWritesForIt() throws Exception {
        StringBuilder controls = new StringBuilder();
        for (char c = 0; c < 0x20; c++) {
            controls.append(c);
        }
        for (String text : List.of("", "ok", controls.toString(), "\"quoted\" back\\slash a/b \u007f", "héllo wörld", "日本語",
                "\u2028\u2029", "tab\tnew\nline")) {
            assertArrayEquals(Json.MAPPER.writeValueAsBytes(text), Json.quoted(text), text);
        }
        // a pair of surrogates is one four-byte character (the generator escapes each half): the same text read back
        String emoji = "fox \uD83E\uDD8A";
        assertEquals(emoji, Json.MAPPER.readValue(Json.quoted(emoji), String.class));
    }
}
