package dev.capfabric.kernel.openai;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.capfabric.kernel.http.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The top-level fields of a JSON object body, read by streaming: scalars as their token and text,
 * nested objects and arrays as trees. Streamed rather than read whole as a tree because a request of
 * these routes is a handful of scalars, and building a tree of them costs more than a small job
 * (docs/BENCHMARKS.md, "OpenAI-compatible front door"). Every accessor refuses a field of the wrong
 * type with OpenAI's 400 naming it; a JSON {@code null} counts as absent.
 */
final class JsonFields {

    private record Field(JsonToken token, String text, JsonNode tree) {
    }

    /** Reads one nested value where the parser stands: the fields after it are not trailing tokens. */
    private static final ObjectReader NESTED = Json.MAPPER.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Map<String, Field> fields;

    private JsonFields(Map<String, Field> fields) {
        this.fields = fields;
    }

    /** The fields of {@code body}; 400 {@code invalid_json} when it is not one JSON object. */
    static JsonFields of(byte[] body) {
        Map<String, Field> fields = new HashMap<>();
        try (JsonParser parser = Json.bodyParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw OpenAiError.invalid("the body must be a JSON object", null, "invalid_json");
            }
            for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
                    fields.put(name, new Field(value, null, NESTED.readTree(parser)));
                } else if (value == JsonToken.VALUE_NULL) {
                    fields.remove(name);
                } else {
                    fields.put(name, new Field(value, parser.getText(), null));
                }
            }
            if (parser.nextToken() != null) {
                throw OpenAiError.invalid("the body is not valid JSON: more after the object", null, "invalid_json");
            }
        } catch (JacksonException e) {
            throw OpenAiError.invalid("the body is not valid JSON: " + e.getOriginalMessage(), null, "invalid_json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new JsonFields(fields);
    }

    /** Whether the field is there (and not null). */
    boolean has(String field) {
        return fields.containsKey(field);
    }

    /** A string field; blank counts as absent. */
    Optional<String> text(String field) {
        Field value = fields.get(field);
        if (value == null) {
            return Optional.empty();
        }
        if (value.token() != JsonToken.VALUE_STRING) {
            throw OpenAiError.invalid("'" + field + "' must be a string", field, "invalid_type");
        }
        return Optional.of(value.text()).filter(s -> !s.isBlank());
    }

    /** A string field that must be there and not blank. */
    String requiredText(String field) {
        return text(field).orElseThrow(() -> OpenAiError.invalid("'" + field + "' is required", field, "missing_required_parameter"));
    }

    /** A number field, as written ({@code "1.5"}); {@code what} says in the 400 what it must be. */
    Optional<String> number(String field, String what) {
        Field value = fields.get(field);
        if (value == null) {
            return Optional.empty();
        }
        if (value.token() != JsonToken.VALUE_NUMBER_INT && value.token() != JsonToken.VALUE_NUMBER_FLOAT) {
            throw OpenAiError.invalid(field + " must be " + what, field, "invalid_value");
        }
        return Optional.of(value.text());
    }

    /** A nested object or array field; empty when absent or a scalar. */
    Optional<JsonNode> tree(String field) {
        return Optional.ofNullable(fields.get(field)).map(Field::tree);
    }
}
