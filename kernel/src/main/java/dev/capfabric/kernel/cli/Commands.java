package dev.capfabric.kernel.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The subcommands of {@code bin/capfabric} ({@code capfabric <command> ...}); with none, the launcher
 * starts a node. A new subcommand is one {@link Command} added to {@link #standard()}.
 */
public final class Commands {

    private final Map<String, Command> commands = new LinkedHashMap<>();

    private Commands(List<Command> commands) {
        commands.forEach(command -> this.commands.put(command.name(), command));
    }

    /** Every subcommand capfabric ships, reading this process's environment. */
    public static Commands standard() {
        return standard(System.getenv(), java.time.Clock.systemUTC());
    }

    /** Every subcommand capfabric ships, reading {@code env} ({@code CAPFABRIC_URL}, {@code CAPFABRIC_API_KEY} ...). */
    public static Commands standard(Map<String, String> env, java.time.Clock clock) {
        return new Commands(List.of(new KeyCommand(), new NatsConfigCommand(), new NodesCommand(env), new CapsCommand(env),
                new JobsCommand(env), new DrainCommand("drain", env), new DrainCommand("undrain", env), new PluginCommand(env),
                new SnapshotCommand(env, clock), new PreflightCommand(env, clock)));
    }

    /** Whether {@code name} is a subcommand. */
    public boolean has(String name) {
        return commands.containsKey(name);
    }

    /** One line per subcommand, for the node's {@code --help}. */
    public String summaries() {
        StringBuilder text = new StringBuilder();
        commands.values().forEach(command -> text.append("  capfabric ").append(command.summary()).append('\n'));
        return text.toString();
    }

    /**
     * Runs {@code args[0]} with the rest of {@code args}.
     *
     * @return the exit status
     */
    public int run(List<String> args, PrintStream out, PrintStream err) {
        Command command = Optional.ofNullable(args.isEmpty() ? null : commands.get(args.getFirst()))
                .orElseThrow(() -> new IllegalArgumentException("not a subcommand: " + args));
        List<String> rest = args.subList(1, args.size());
        if (rest.contains("--help") || rest.contains("-h")) {
            out.print(command.usage());
            return 0;
        }
        try {
            return command.run(rest, out, err);
        } catch (UsageException e) {
            err.println("capfabric " + command.name() + ": " + e.getMessage() + "\n");
            err.print(command.usage());
            return 2;
        }
    }
}
