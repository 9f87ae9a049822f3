package dev.capfabric.kernel.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs a {@code bin/capfabric} subcommand in this JVM and keeps what it printed. */
public record CliRun(int status, String out, String err) {

    public static CliRun of(String... args) {
        return with(System.getenv(), args);
    }

    /** Runs with {@code env} as the environment the subcommand reads. */
    public static CliRun with(java.util.Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = Commands.standard(env, java.time.Clock.systemUTC()).run(List.of(args), o, e);
        }
        return new CliRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
