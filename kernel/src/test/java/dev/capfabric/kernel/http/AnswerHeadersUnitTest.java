package dev.capfabric.kernel.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnswerHeadersUnitTest {

    @ParameterizedTest
    @ValueSource(strings = {"a\r\nX-Injected: 1", "a\nb", "a\rb", "\0", "a\u0001", "a\u001f", "a\u007f", "\u0100", "\u2603", "x\uD83D\uDE00"})
    void aValueWithAControlOrWideCharacterIsUnsafe(String value) {
        assertFalse(AnswerHeaders.safeValue(value), value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "text/plain; charset=utf-8", "a\tb", " spaced ", "caf\u00e9", "Bearer realm=\"capfabric\", error=\"invalid_token\"", "~!#$%&'*+-.^_`|"})
    void visibleLatin1TextSpacesAndTabsAreSafe(String value) {
        assertTrue(AnswerHeaders.safeValue(value), value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "X Name", "X:Name", "X-Name\r", "X(y)", "X-\u00e9", "X/Y"})
    void aNameThatIsNoTokenIsUnsafe(String name) {
        assertFalse(AnswerHeaders.safeName(name), name);
    }

    @Test
    void aOneCharacterNameIsSafeExactlyWhenItIsATokenCharacter() {
        String punctuation = "!#$%&'*+-.^_`|~";
        for (char c = 0; c < 0x300; c++) {
            boolean token = c < 128 && (Character.isLetterOrDigit(c) || punctuation.indexOf(c) >= 0);
            assertEquals(token, AnswerHeaders.safeName(String.valueOf(c)), "character " + (int) c);
            assertEquals(token, AnswerHeaders.safeName("X-Name" + c), "character " + (int) c + " at the end");
        }
    }

    @Test
    void onlyTheUnsafeHeadersAreDropped() {
        ServerResponseHeaders headers = ServerResponseHeaders.create();
        headers.set(HeaderNames.CONTENT_TYPE, "text/plain\r\nX-Injected: yes");
        headers.set(HeaderNames.create("X-Capfabric-Provider"), "echo");
        headers.add(HeaderNames.create("X-Many"), "one", "tw\no");
        headers.add(HeaderNames.create("X-Fine"), "one", "two");
        AnswerHeaders.dropUnsafe(headers);
        assertFalse(headers.contains(HeaderNames.CONTENT_TYPE));
        assertFalse(headers.contains(HeaderNames.create("X-Many")), "one bad value of several drops the header");
        assertEquals("echo", headers.get(HeaderNames.create("X-Capfabric-Provider")).get());
        assertEquals(java.util.List.of("one", "two"), headers.get(HeaderNames.create("X-Fine")).allValues());
    }
}
