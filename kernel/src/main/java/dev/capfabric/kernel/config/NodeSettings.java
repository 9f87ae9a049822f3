package dev.capfabric.kernel.config;

import io.helidon.config.Config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static java.util.Objects.requireNonNull;

/**
 * Everything a node is configured with, read once at start-up by {@link SettingsLoader}.
 *
 * @param nodeId             this node's id, a valid NATS subject token
 * @param host               the address the HTTP server binds
 * @param port               the HTTP port; 0 picks a free one
 * @param pluginsDir         the folder watched for plugin jars and plugin folders
 * @param workDir            where loaded plugins are copied and providers keep data
 * @param natsUrl            the NATS server(s) to join; empty runs the node alone
 * @param scanPaths          extra folders listed on {@code /capabilities/installed}
 * @param preferences        per capability, provider ids in order of preference
 * @param pluginPollInterval how often the plugins folder is checked for changes
 * @param healthInterval     how often providers are asked for their health
 * @param loadInterval       how often CPU and memory load are sampled
 * @param config             the {@code capfabric} configuration node, for sections read by their own parts
 * @param environment        the process environment the settings were read with
 */
public record NodeSettings(String nodeId,
                           String host,
                           int port,
                           Path pluginsDir,
                           Path workDir,
                           Optional<String> natsUrl,
                           List<Path> scanPaths,
                           Map<String, List<String>> preferences,
                           Duration pluginPollInterval,
                           Duration healthInterval,
                           Duration loadInterval,
                           Config config,
                           Map<String, String> environment) {

    public NodeSettings {
        NodeId.require(nodeId);
        requireNonNull(host, "host is null");
        if (port < 0 || port > 65535) {
            throw new InvalidSettingsException("invalid port " + port + ": expected 0-65535");
        }
        requireNonNull(pluginsDir, "pluginsDir is null");
        requireNonNull(workDir, "workDir is null");
        requireNonNull(natsUrl, "natsUrl is null");
        scanPaths = List.copyOf(scanPaths);
        preferences = Map.copyOf(preferences);
        requireNonNull(pluginPollInterval, "pluginPollInterval is null");
        requireNonNull(healthInterval, "healthInterval is null");
        requireNonNull(loadInterval, "loadInterval is null");
        requireNonNull(config, "config is null");
        environment = Map.copyOf(environment);
    }

    /** One provider's settings, YAML and environment combined. */
    public ProviderSettings provider(String providerId) {
        Config node = config.get("providers").get(providerId);
        Map<String, String> yaml = new TreeMap<>();
        String prefix = node.key().toString() + ".";
        node.asMap().orElse(Map.of()).forEach((key, value) -> {
            if (key.startsWith(prefix)) {
                yaml.put(key.substring(prefix.length()), value);
            }
        });
        return ProviderSettings.of(providerId, yaml, environment);
    }

    /** The provider ids preferred for one capability, most preferred first; empty when none configured. */
    public List<String> preference(String capability) {
        return preferences.getOrDefault(capability, List.of());
    }

    /** The settings under {@code capfabric.<section>}. */
    public Config section(String section) {
        return config.get(section);
    }
}
