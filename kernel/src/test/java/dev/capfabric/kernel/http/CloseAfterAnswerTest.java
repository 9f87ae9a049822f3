package dev.capfabric.kernel.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.WritableHeaders;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code Connection: close} check that replaced Helidon's token split on every request. */
class CloseAfterAnswerTest {

    @Test
    void findsCloseAsAWholeTokenInAnyCaseAndPlace() {
        for (String value : new String[] {"close", "Close", "CLOSE", " close ", "keep-alive, close", "close,upgrade",
                "Upgrade ,\tclose\t, foo", ",close", "close,"}) {
            assertTrue(CloseAfterAnswer.hasToken(value, "close"), value);
        }
        for (String value : new String[] {"", " ", ",", "keep-alive", "closed", "enclose", "clo se", "close-it",
                "keep-alive, upgrade", "x-close"}) {
            assertFalse(CloseAfterAnswer.hasToken(value, "close"), value);
        }
    }

    @Test
    void looksAtEveryConnectionHeaderAndOnlyThere() {
        WritableHeaders<?> headers = WritableHeaders.create();
        assertFalse(CloseAfterAnswer.saysClose(headers), "no Connection header");
        headers.add(HeaderNames.CONNECTION, "keep-alive");
        assertFalse(CloseAfterAnswer.saysClose(headers));
        headers.add(HeaderNames.create("X-Connection"), "close");
        assertFalse(CloseAfterAnswer.saysClose(headers), "another header saying close");
        headers.add(HeaderNames.CONNECTION, "upgrade, Close");
        assertTrue(CloseAfterAnswer.saysClose(headers), "a second Connection value");
    }
}
