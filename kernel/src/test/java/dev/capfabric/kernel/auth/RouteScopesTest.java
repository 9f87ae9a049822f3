package dev.capfabric.kernel.auth;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    @Test
    void theTableAnswersAsAScanOfEveryRuleInOrderWould() {
        List<String> paths = List.of("", "/", "*", "/caps", "/caps/", "/capsx", "/health", "/health/", "/health/live", "/healthz",
                "/metrics", "/metrics/x", "/index.html", "/favicon.ico", "/ui", "/ui/app.js", "/assets/x.css", "/v1", "/v1/",
                "/v1/capability", "/v1/capability/stt", "/v1/capabilityx", "/v1/capabilities", "/v1/nodes", "/v1/nodes/n1/caps",
                "/v1/models", "/v1/audio/speech", "/v1/images/files/abc", "/v1/images/generations", "/v1/ocr/x", "/v1/jobs",
                "/v1/jobs/j1", "/admin", "/admin/drain", "/adminx", "/capabilities/installed", "/capabilities", "/nowhere",
                "//v1/capability/x", "/V1/capability/x");
        for (boolean open : List.of(true, false)) {
            RouteScopes scopes = RouteScopes.defaults(open, !open);
            for (String method : List.of("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "post", "PATCH")) {
                for (String path : paths) {
                    RouteScopes.Access scanned = scopes.rules().stream().filter(rule -> rule.matches(method, path))
                            .map(RouteScopes.Rule::access).findFirst().orElse(RouteScopes.Access.of(Scope.ADMIN));
                    assertEquals(scanned, scopes.access(method, path), method + " " + path);
                }
            }
        }
    }
}
