package dev.capfabric.kernel.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code --name value} and {@code --name=value} options, {@code --flag} switches and, where a subcommand
 * takes them, plain arguments of a subcommand; anything it does not declare is a {@link UsageException}.
 */
final class Options {

    private final Map<String, List<String>> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();
    private final List<String> arguments = new ArrayList<>();

    private Options() {
    }

    /** Options and switches only: a plain argument is refused. */
    static Options parse(List<String> args, Set<String> valued, Set<String> switches) {
        return parse(args, valued, Set.of(), switches, 0);
    }

    /**
     * @param valued       options taking a value, at most once each
     * @param repeatable   options taking a value, any number of times
     * @param switches     options taking no value
     * @param maxArguments how many plain arguments may be given
     */
    static Options parse(List<String> args, Set<String> valued, Set<String> repeatable, Set<String> switches, int maxArguments) {
        Options options = new Options();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--")) {
                if (options.arguments.size() >= maxArguments) {
                    throw new UsageException("unexpected argument '" + arg + "'");
                }
                options.arguments.add(arg);
                continue;
            }
            String name = arg.substring(2);
            String value = null;
            int equals = name.indexOf('=');
            if (equals >= 0) {
                value = name.substring(equals + 1);
                name = name.substring(0, equals);
            }
            if (switches.contains(name) && value == null) {
                options.flags.add(name);
            } else if (valued.contains(name) || repeatable.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.size()) {
                        throw new UsageException("--" + name + " needs a value");
                    }
                    value = args.get(++i);
                }
                List<String> given = options.values.computeIfAbsent(name, k -> new ArrayList<>());
                if (!given.isEmpty() && !repeatable.contains(name)) {
                    throw new UsageException("--" + name + " given twice");
                }
                given.add(value);
            } else {
                throw new UsageException("unknown option '--" + name + "'");
            }
        }
        return options;
    }

    Optional<String> value(String name) {
        return Optional.ofNullable(values.get(name)).map(List::getLast);
    }

    /** Every value of a repeatable option, in order. */
    List<String> values(String name) {
        return List.copyOf(values.getOrDefault(name, List.of()));
    }

    String required(String name) {
        return value(name).filter(v -> !v.isBlank()).orElseThrow(() -> new UsageException("--" + name + " is required"));
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    /** The plain arguments, in order. */
    List<String> arguments() {
        return List.copyOf(arguments);
    }

    /** Plain argument {@code index}, or a {@link UsageException} naming it {@code what}. */
    String argument(int index, String what) {
        if (index >= arguments.size() || arguments.get(index).isBlank()) {
            throw new UsageException("missing " + what);
        }
        return arguments.get(index);
    }
}
