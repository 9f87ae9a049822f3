package dev.capfabric.kernel.plugins;

import dev.capfabric.spi.Capability;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * An immutable view of what the node's plugins supply, replaced whole on every change.
 *
 * @param providers   every provider id found, in whatever state (usable, unavailable, disabled)
 * @param plugins     every plugin found, loaded or failed
 * @param jars        the jars of loaded plugins
 * @param preferences per capability, preferred provider ids first
 */
public record Inventory(List<ProviderSlot> providers,
                        List<PluginReport> plugins,
                        List<PluginJar> jars,
                        Map<String, List<String>> preferences) {

    public Inventory {
        providers = List.copyOf(providers);
        plugins = List.copyOf(plugins);
        jars = List.copyOf(jars);
        preferences = Map.copyOf(requireNonNull(preferences, "preferences is null"));
    }

    static Inventory empty() {
        return new Inventory(List.of(), List.of(), List.of(), Map.of());
    }

    /** Usable providers of a capability, the configured preference first, then by id. */
    public List<ProviderSlot> usable(Capability capability) {
        return ranked(capability).stream().filter(ProviderSlot::usable).toList();
    }

    /**
     * Every provider of a capability, usable or not, in the order {@link #usable} keeps: fixed for this
     * inventory, so callers on a hot path may keep it and filter by {@link ProviderSlot#usable()}.
     */
    public List<ProviderSlot> ranked(Capability capability) {
        List<String> preference = preferences.getOrDefault(capability.name(), List.of());
        Function<ProviderSlot, Integer> rank = slot -> {
            int index = preference.indexOf(slot.id());
            return index < 0 ? Integer.MAX_VALUE : index;
        };
        return providers.stream()
                .filter(slot -> capability.equals(slot.capability()))
                .sorted(Comparator.comparing(rank).thenComparing(ProviderSlot::id))
                .toList();
    }

    /** Capabilities with at least one usable provider. */
    public Set<Capability> capabilities() {
        Set<Capability> capabilities = new TreeSet<>();
        for (ProviderSlot slot : providers) {
            if (slot.usable() && slot.capability() != null) {
                capabilities.add(slot.capability());
            }
        }
        return capabilities;
    }

    /** Capabilities any provider claims, usable or not: a job for one of these is never a 404. */
    public Set<Capability> known() {
        Set<Capability> known = new TreeSet<>();
        for (ProviderSlot slot : providers) {
            if (slot.capability() != null) {
                known.add(slot.capability());
            }
        }
        return known;
    }

    /** The providers of a capability that cannot serve, with their reasons. */
    public Map<String, String> unusableReasons(Capability capability) {
        Map<String, String> reasons = new TreeMap<>();
        for (ProviderSlot slot : providers) {
            if (capability.equals(slot.capability()) && !slot.usable()) {
                reasons.put(slot.id(), slot.status().wireName() + ": " + slot.reason());
            }
        }
        return reasons;
    }
}
