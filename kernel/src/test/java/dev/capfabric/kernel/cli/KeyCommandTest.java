package dev.capfabric.kernel.cli;

import dev.capfabric.kernel.auth.ApiKey;
import dev.capfabric.kernel.auth.KeyMaker;
import dev.capfabric.kernel.auth.Scope;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code capfabric key new}: the key once, then the keys-file line that accepts it. */
class KeyCommandTest {

    @Test
    void printsTheKeyThenItsLine() {
        CliRun run = CliRun.of("key", "new", "--name", "ci", "--scopes", "read,jobs");
        assertEquals(0, run.status(), run.err());
        List<String> lines = run.out().lines().toList();
        assertEquals(2, lines.size());
        String key = lines.get(0);
        assertTrue(key.matches("cf_[A-Za-z0-9_-]{43}"), key);
        ApiKey entry = ApiKey.parse(lines.get(1));
        assertEquals("ci", entry.name());
        assertEquals(Set.of(Scope.JOBS, Scope.READ), entry.scopes());
        assertArrayEquals(KeyMaker.sha256(key), entry.sha256());
        assertTrue(lines.get(1).startsWith("ci jobs,read sha256:"), lines.get(1));
        assertNotEquals(key, CliRun.of("key", "new", "--name", "ci", "--scopes", "read").out().lines().findFirst().orElseThrow(),
                "every key is new");
    }

    @Test
    void badCommandLinesExitTwoSayingWhy() {
        for (List<String> args : List.of(
                List.of("key"),
                List.of("key", "old"),
                List.of("key", "new", "--scopes", "read"),
                List.of("key", "new", "--name", "ci"),
                List.of("key", "new", "--name", "ci", "--scopes", "root"),
                List.of("key", "new", "--name", "ci", "--scopes", ","),
                List.of("key", "new", "--name", "has space", "--scopes", "read"),
                List.of("key", "new", "--name", "-dash", "--scopes", "read"),
                List.of("key", "new", "--name", "x".repeat(65), "--scopes", "read"),
                List.of("key", "new", "--name", "ci", "--scopes", "read", "--extra", "x"),
                List.of("key", "new", "--name"))) {
            CliRun run = CliRun.of(args.toArray(String[]::new));
            assertEquals(2, run.status(), args + ": " + run.out());
            assertTrue(run.err().startsWith("capfabric key: "), args + ": " + run.err());
            assertEquals("", run.out(), "nothing on stdout for " + args);
        }
    }

    @Test
    void helpSaysHow() {
        CliRun run = CliRun.of("key", "--help");
        assertEquals(0, run.status());
        assertTrue(run.out().contains("--scopes"));
    }
}
