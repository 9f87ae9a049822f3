package dev.capfabric.kernel;

import dev.capfabric.kernel.cli.Commands;
import dev.capfabric.kernel.config.InvalidSettingsException;
import dev.capfabric.kernel.config.NodeSettings;
import dev.capfabric.kernel.config.SettingsLoader;
import dev.capfabric.kernel.logging.LogFormat;
import dev.capfabric.kernel.logging.StdoutLogging;
import dev.capfabric.kernel.node.HardwareSampling;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Starts a node: {@code bin/capfabric} runs this. Exits with status 2 when the configuration cannot
 * be used, saying why.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        // first, before anything may log: the log manager that keeps the node's records through shutdown hooks
        System.setProperty("java.util.logging.manager", NodeLogManager.class.getName());
        Commands commands = Commands.standard();
        if (args.length > 0 && commands.has(args[0])) {
            int status = commands.run(List.of(args), System.out, System.err);
            System.out.flush();
            System.exit(status);
            return;
        }
        for (String arg : args) {
            switch (arg) {
                case "--version", "-V" -> {
                    System.out.println("capfabric " + Kernel.version());
                    return;
                }
                case "--help", "-h" -> {
                    System.out.println(usage() + "\nSubcommands (capfabric <command> --help says more):\n" + commands.summaries());
                    return;
                }
                default -> {
                    System.err.println("capfabric: unknown argument '" + arg + "'\n\n" + usage());
                    System.exit(2);
                }
            }
        }
        // beside the main thread from here on: first-use costs of the HTTP server's configuration
        StartupWarmup.beforeServer();
        Map<String, String> environment = System.getenv();
        // records as lines on stdout from here on
        try {
            StdoutLogging.install(LogFormat.of(environment.get("CAPFABRIC_LOG_FORMAT")));
        } catch (InvalidSettingsException e) {
            System.err.println("capfabric: " + e.getMessage());
            System.exit(2);
            return;
        }
        NodeSettings settings;
        Kernel kernel;
        try {
            settings = SettingsLoader.load(environment, installDir(environment));
            // the YAML may name the format too (the environment wins, as for every key): before anything else logs
            StdoutLogging.install(LogFormat.of(settings.config().get("log.format").asString().orElse("text")));
            // OSHI's probing takes a while: under way while the rest starts
            HardwareSampling.start();
            kernel = Kernel.start(settings);
        } catch (InvalidSettingsException e) {
            System.err.println("capfabric: " + e.getMessage());
            System.exit(2);
            return;
        }
        SystemdNotify systemd = SystemdNotify.fromEnvironment(environment);
        systemd.ready("serving on port " + kernel.port());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("capfabric-shutdown").unstarted(() -> {
            // a logger got here, not in a static field: one made before main() would fix the JDK's log manager
            System.getLogger(Main.class.getName()).log(System.Logger.Level.INFO, "capfabric: stopping node {0}, letting running jobs finish", settings.nodeId());
            systemd.stopping("letting running jobs finish");
            kernel.stop(Duration.ofMillis(settings.config().get("shutdown-grace-ms").asLong().orElse(10_000L)));
            stopped.countDown();
        }));
        stopped.await();
    }

    private static Path installDir(Map<String, String> environment) {
        String home = System.getProperty("capfabric.home", environment.get("CAPFABRIC_HOME"));
        return home == null || home.isBlank() ? Path.of("").toAbsolutePath() : Path.of(home).toAbsolutePath();
    }

    private static String usage() {
        return """
                Usage: capfabric [--help] [--version]
                       capfabric <command> [options]

                Runs a capfabric node in the foreground, logging to stdout. Stop it with SIGTERM or Ctrl-C:
                running jobs finish (bounded by capfabric.shutdown-grace-ms) before it exits.

                Environment:
                  CAPFABRIC_CONFIG        the YAML configuration file (default: conf/capfabric.yaml of the installation)
                  CAPFABRIC_NODE_ID       this node's id (default: the host name, lowercased and sanitised)
                  CAPFABRIC_HOST          the address to bind (default 0.0.0.0: all interfaces)
                  CAPFABRIC_PORT          the HTTP port (default 8080)
                  CAPFABRIC_ADVERTISED_URL  this node's URL as others reach it (default http://<host name>:<port>)
                  CAPFABRIC_CORS_ALLOWED_ORIGINS  origins allowed by CORS, comma-separated (default: CORS off)
                  CAPFABRIC_PLUGINS_DIR   the plugins folder (default: plugins/ of the installation)
                  CAPFABRIC_NATS_URL      NATS server(s) to join; unset runs the node alone
                  CAPFABRIC_HTTP_KEYS__FILE  the API keys file (hashed keys); unset leaves the HTTP API open
                  CAPFABRIC_SCAN_PATHS    extra folders listed on /capabilities/installed (':' or ',' separated)
                  CAPFABRIC_LOG_FORMAT    text (default) or json: one line per record, ISO-8601 UTC timestamps
                  CAPFABRIC_PROVIDERS_<ID>_ENABLED=false   switches a provider off
                  JAVA_OPTS               extra JVM options for bin/capfabric
                """;
    }
}
