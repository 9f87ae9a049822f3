package dev.capfabric.kernel.config;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static java.util.Objects.requireNonNull;

/**
 * One provider's settings: {@code capfabric.providers.<id>} from the YAML file, overridden by
 * {@code CAPFABRIC_PROVIDERS_<ID>_<KEY>} environment variables (id uppercased with '-' as '_'; the key
 * lowercased with '_' as '-': {@code CAPFABRIC_PROVIDERS_OPENAI_SPEECH_BASE_URL} sets {@code base-url}
 * of {@code openai-speech}).
 *
 * @param enabled whether the provider may be created
 * @param plugin  the plugin that should supply this id when several do
 * @param values  every setting, flattened with dots, as the provider sees it
 */
public record ProviderSettings(boolean enabled, Optional<String> plugin, Map<String, String> values) {

    public ProviderSettings {
        requireNonNull(plugin, "plugin is null");
        values = Map.copyOf(requireNonNull(values, "values is null"));
    }

    /** Combines the YAML values of one provider with the environment's overrides for it. */
    static ProviderSettings of(String providerId, Map<String, String> yamlValues, Map<String, String> environment) {
        Map<String, String> values = new TreeMap<>(yamlValues);
        String prefix = EnvironmentOverrides.providerPrefix(providerId);
        environment.forEach((name, value) -> {
            if (name.startsWith(prefix) && name.length() > prefix.length()) {
                values.put(name.substring(prefix.length()).toLowerCase(Locale.ROOT).replace('_', '-'), value);
            }
        });
        boolean enabled = !"false".equalsIgnoreCase(values.getOrDefault("enabled", "true").strip());
        Optional<String> plugin = Optional.ofNullable(values.get("plugin")).filter(p -> !p.isBlank());
        return new ProviderSettings(enabled, plugin, values);
    }
}
