package dev.capfabric.kernel.cli;

import java.io.PrintStream;
import java.util.List;

/**
 * One {@code bin/capfabric <name> ...} subcommand. A command prints what it made to {@code out},
 * problems to {@code err}, and returns the process exit status: 0 done, 1 failed, 2 bad usage.
 */
interface Command {

    /** The first word on the command line. */
    String name();

    /** One line for the list of subcommands. */
    String summary();

    /** The full usage text. */
    String usage();

    int run(List<String> args, PrintStream out, PrintStream err);
}
