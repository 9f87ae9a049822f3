package dev.capfabric.kernel.auth;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which paths a rule's pattern covers: a trailing {@code /*} is the prefix itself or anything below it. */
class RouteScopesTest {

    @Test
    void aWildcardCoversThePrefixAndWhatIsBelowItOnly() {
        RouteScopes.Rule rule = new RouteScopes.Rule(Set.of(), "/v1/images/*", RouteScopes.Access.OPEN);
        for (String path : List.of("/v1/images", "/v1/images/", "/v1/images/generations", "/v1/images/files/a/b")) {
            assertTrue(rule.matches("POST", path), path);
        }
        for (String path : List.of("/v1/imagesx", "/v1/image", "/v1/images-x/y", "/v1", "/", "", "/v2/images/x", "/V1/images")) {
            assertFalse(rule.matches("POST", path), path);
        }
    }

    @Test
    void anExactPatternAndMethodsAreMatchedAsWritten() {
        RouteScopes.Rule rule = new RouteScopes.Rule(Set.of("GET"), "/caps", RouteScopes.Access.OPEN);
        assertTrue(rule.matches("GET", "/caps"));
        assertFalse(rule.matches("POST", "/caps"));
        assertFalse(rule.matches("GET", "/caps/x"));
        assertFalse(rule.matches("GET", "/cap"));
    }
}
