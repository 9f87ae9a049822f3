package dev.capfabric.bench.dispatch;

import dev.capfabric.kernel.auth.ApiKeys;
import dev.capfabric.kernel.auth.KeyMaker;
import dev.capfabric.kernel.auth.Scope;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * The CPU time of one API key check ({@link ApiKeys#find}: SHA-256 of the presented key, lookup,
 * constant-time comparison) with a keys file of 21 keys, measured as this thread's CPU time so that
 * other processes on a busy machine do not inflate it. Eight rounds of two million checks.
 */
public final class KeyCheckCost {

    private KeyCheckCost() {
    }

    public static void main(String[] args) throws Exception {
        Path keys = Files.createTempFile("capfabric-keys", "");
        KeyMaker maker = new KeyMaker(new SecureRandom());
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            lines.append(maker.make("other-" + i, Set.of(Scope.READ)).entry().line()).append('\n');
        }
        KeyMaker.NewKey key = maker.make("bench", Set.of(Scope.JOBS));
        Files.writeString(keys, lines + key.entry().line() + "\n");
        ApiKeys apiKeys = ApiKeys.load(keys, Clock.systemUTC(), Duration.ofSeconds(1));
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long found = 0;
        for (int round = 0; round < 8; round++) {
            int checks = 2_000_000;
            long start = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < checks; i++) {
                found += apiKeys.find(key.key()).isPresent() ? 1 : 0;
            }
            long cpu = threads.getCurrentThreadCpuTime() - start;
            System.out.printf(Locale.ROOT, "round %d: %.0f ns of CPU per key check%n", round + 1, cpu / (double) checks);
        }
        Files.delete(keys);
        if (found != 16_000_000) {
            throw new IllegalStateException("the key was not found every time");
        }
    }
}
