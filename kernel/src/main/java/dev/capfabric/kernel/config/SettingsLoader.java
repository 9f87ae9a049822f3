package dev.capfabric.kernel.config;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.config.Config;
import io.helidon.config.ConfigException;
import io.helidon.config.ConfigSources;
import io.helidon.config.yaml.YamlConfigParser;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads {@link NodeSettings} from {@code conf/capfabric.yaml} (or the file named by
 * {@code CAPFABRIC_CONFIG}) through Helidon Config, with the environment taking precedence over the
 * file for every key.
 */
public final class SettingsLoader {

    private SettingsLoader() {
    }

    /**
     * Reads the settings.
     *
     * @param environment the process environment (passed in so tests need not change the real one)
     * @param installDir  the installation folder: default home of {@code conf/} and {@code plugins/}
     * @throws InvalidSettingsException when the file named by {@code CAPFABRIC_CONFIG} is missing or a value is invalid
     */
    public static NodeSettings load(Map<String, String> environment, Path installDir) {
        Path file = configFile(environment, installDir);
        // sources, parser and mappers named here rather than discovered through services: discovery
        // walks Helidon's service registry, a noticeable part of start-up
        Config.Builder builder = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .disableParserServices()
                .addParser(YamlConfigParser.create())
                .disableMapperServices()
                .disableFilterServices()
                .addSource(ConfigSources.create(EnvironmentOverrides.keys(environment)));
        if (Files.isRegularFile(file)) {
            // read here and handed over as YAML text: Helidon's file source would probe the file's media type
            // (a scan of every jar for type mappings) and digest it for change detection, which the node never
            // uses; together about a tenth of the start-up (docs/BENCHMARKS.md, P5)
            String yaml;
            try {
                // bytes that are not UTF-8 become U+FFFD, as Helidon's own file source reads them
                yaml = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new InvalidSettingsException("cannot read configuration " + file + ": " + e.getMessage(), e);
            }
            builder.addSource(ConfigSources.create(yaml, MediaTypes.APPLICATION_YAML));
        }
        Config root;
        try {
            root = builder.build();
        } catch (ConfigException e) {
            throw new InvalidSettingsException("cannot read configuration " + file + ": " + e.getMessage(), e);
        }
        Config config = root.get("capfabric");
        try {
            return fromConfig(config, environment, installDir);
        } catch (ConfigException e) {
            throw new InvalidSettingsException("invalid configuration: " + e.getMessage(), e);
        }
    }

    private static Path configFile(Map<String, String> environment, Path installDir) {
        String named = environment.get("CAPFABRIC_CONFIG");
        if (named == null || named.isBlank()) {
            return installDir.resolve("conf").resolve("capfabric.yaml");
        }
        Path file = Path.of(named);
        if (!Files.isRegularFile(file)) {
            throw new InvalidSettingsException("CAPFABRIC_CONFIG names " + file.toAbsolutePath() + ", which is not a readable file");
        }
        return file;
    }

    private static NodeSettings fromConfig(Config config, Map<String, String> environment, Path installDir) {
        String nodeId = config.get("node.id").asString().filter(s -> !s.isBlank())
                .orElseGet(SettingsLoader::hostNodeId);
        int port = config.get("port").asString().map(SettingsLoader::parsePort).orElse(8080);
        Path pluginsDir = path(config.get("plugins.dir").asString().orElse("plugins"), installDir);
        Path workDir = path(config.get("work-dir").asString().orElse("work"), installDir);
        Optional<String> natsUrl = config.get("nats.url").asString().map(String::strip).filter(s -> !s.isEmpty());
        return new NodeSettings(nodeId,
                config.get("host").asString().orElse("0.0.0.0"),
                port,
                pluginsDir,
                workDir,
                natsUrl,
                scanPaths(config.get("scan-paths"), installDir),
                preferences(config.get("preferences")),
                Duration.ofMillis(config.get("plugins.poll-interval-ms").asLong().orElse(1000L)),
                Duration.ofMillis(config.get("providers-health-interval-ms").asLong().orElse(10_000L)),
                Duration.ofMillis(config.get("load-interval-ms").asLong().orElse(2000L)),
                config,
                environment);
    }

    private static int parsePort(String value) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new InvalidSettingsException("invalid port '" + value + "': expected a number 0-65535");
        }
    }

    private static Path path(String value, Path installDir) {
        return installDir.resolve(value).normalize();
    }

    private static List<Path> scanPaths(Config node, Path installDir) {
        List<String> values = node.isList()
                ? node.asList(String.class).orElse(List.of())
                : node.asString().map(s -> Arrays.asList(s.split("[," + File.pathSeparator + "]"))).orElse(List.of());
        List<Path> paths = new ArrayList<>();
        for (String value : values) {
            if (!value.isBlank()) {
                paths.add(path(value.strip(), installDir));
            }
        }
        return paths;
    }

    private static Map<String, List<String>> preferences(Config node) {
        Map<String, List<String>> preferences = new LinkedHashMap<>();
        node.asNodeList().orElse(List.of()).forEach(capability -> {
            List<String> ids = capability.isList()
                    ? capability.asList(String.class).orElse(List.of())
                    : capability.asString().map(s -> Arrays.stream(s.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList())
                            .orElse(List.of());
            preferences.put(capability.name(), ids);
        });
        return preferences;
    }

    private static String hostNodeId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = Optional.ofNullable(System.getenv("HOSTNAME")).orElse("node");
        }
        return NodeId.fromHostName(host);
    }
}
