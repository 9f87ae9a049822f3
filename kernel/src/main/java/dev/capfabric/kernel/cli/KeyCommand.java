package dev.capfabric.kernel.cli;

import dev.capfabric.kernel.auth.KeyMaker;
import dev.capfabric.kernel.auth.Scope;

import java.io.PrintStream;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;

/**
 * {@code capfabric key new --name NAME --scopes jobs,read}: prints a new API key on its first line
 * (shown this once: only its hash is kept) and, on its second, the line to append to the keys file.
 */
final class KeyCommand implements Command {

    @Override
    public String name() {
        return "key";
    }

    @Override
    public String summary() {
        return "key new --name NAME --scopes jobs,read,admin   make an API key and its keys-file line";
    }

    @Override
    public String usage() {
        return """
                Usage: capfabric key new --name NAME --scopes SCOPE[,SCOPE...]

                Makes a new API key. Prints the key on the first line (it is shown only this once) and, on the
                second, the line to append to the keys file (capfabric.http.keys-file, CAPFABRIC_HTTP_KEYS__FILE),
                which holds only the key's SHA-256. A running node picks the change up within a second.

                  --name NAME     the key's id, shown in logs and audit lines (letters, digits, '.', '_', '-')
                  --scopes LIST   jobs (run jobs), read (/caps, /v1/nodes, /v1/capabilities, /v1/models),
                                  admin (/admin/*: drain, undrain, plugins, install, remove)

                Example:
                  bin/capfabric key new --name ci --scopes jobs,read | { read key; read line; echo "$line" >> conf/keys; echo "$key"; }
                """;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty() || !args.getFirst().equals("new")) {
            throw new UsageException("expected 'key new'");
        }
        Options options = Options.parse(args.subList(1, args.size()), Set.of("name", "scopes"), Set.of());
        KeyMaker.NewKey made;
        try {
            made = new KeyMaker(new SecureRandom()).make(options.required("name"), Scope.parseList(options.required("scopes")));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        out.println(made.key());
        out.println(made.entry().line());
        return 0;
    }
}
