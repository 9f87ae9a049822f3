package dev.capfabric.kernel.plugins;

import dev.capfabric.spi.Capability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * An immutable view of what the node's plugins supply, replaced whole on every change. Each capability's
 * providers are ranked once, when the view is made: jobs look them up on every request.
 */
public final class Inventory {

    private final List<ProviderSlot> providers;
    private final List<PluginReport> plugins;
    private final List<PluginJar> jars;
    private final Map<String, List<String>> preferences;
    private final Map<Capability, List<ProviderSlot>> ranked;
    private final Set<Capability> splitting;

    /**
     * @param providers   every provider id found, in whatever state (usable, unavailable, disabled)
     * @param plugins     every plugin found, loaded or failed
     * @param jars        the jars of loaded plugins
     * @param preferences per capability, preferred provider ids first
     */
    public Inventory(List<ProviderSlot> providers, List<PluginReport> plugins, List<PluginJar> jars,
                     Map<String, List<String>> preferences) {
        this.providers = List.copyOf(providers);
        this.plugins = List.copyOf(plugins);
        this.jars = List.copyOf(jars);
        this.preferences = Map.copyOf(requireNonNull(preferences, "preferences is null"));
        this.ranked = rank(this.providers, this.preferences);
        Set<Capability> splitting = new HashSet<>();
        for (ProviderSlot slot : this.providers) {
            if (slot.splits() && slot.capability() != null) {
                splitting.add(slot.capability());
            }
        }
        this.splitting = Set.copyOf(splitting);
    }

    static Inventory empty() {
        return new Inventory(List.of(), List.of(), List.of(), Map.of());
    }

    public List<ProviderSlot> providers() {
        return providers;
    }

    public List<PluginReport> plugins() {
        return plugins;
    }

    public List<PluginJar> jars() {
        return jars;
    }

    public Map<String, List<String>> preferences() {
        return preferences;
    }

    /** Usable providers of a capability, the configured preference first, then by id. */
    public List<ProviderSlot> usable(Capability capability) {
        List<ProviderSlot> all = ranked(capability);
        List<ProviderSlot> usable = new ArrayList<>(all.size());
        for (ProviderSlot slot : all) {
            if (slot.usable()) {
                usable.add(slot);
            }
        }
        return usable;
    }

    /**
     * Every provider of a capability, usable or not, in the order {@link #usable} keeps: fixed for this
     * inventory, so callers on a hot path may keep it and filter by {@link ProviderSlot#usable()}.
     */
    public List<ProviderSlot> ranked(Capability capability) {
        return ranked.getOrDefault(capability, List.of());
    }

    /** Whether any provider, usable or not, claims the capability. */
    public boolean claims(Capability capability) {
        return ranked.containsKey(capability);
    }

    /** Whether any provider of the capability may split its jobs ({@link ProviderSlot#splits}). */
    public boolean splits(Capability capability) {
        return splitting.contains(capability);
    }

    private static Map<Capability, List<ProviderSlot>> rank(List<ProviderSlot> providers, Map<String, List<String>> preferences) {
        Map<Capability, List<ProviderSlot>> byCapability = new HashMap<>();
        for (ProviderSlot slot : providers) {
            if (slot.capability() != null) {
                byCapability.computeIfAbsent(slot.capability(), capability -> new ArrayList<>()).add(slot);
            }
        }
        Map<Capability, List<ProviderSlot>> ranked = new HashMap<>();
        byCapability.forEach((capability, slots) -> {
            List<String> preference = preferences.getOrDefault(capability.name(), List.of());
            Function<ProviderSlot, Integer> rank = slot -> {
                int index = preference.indexOf(slot.id());
                return index < 0 ? Integer.MAX_VALUE : index;
            };
            slots.sort(Comparator.comparing(rank).thenComparing(ProviderSlot::id));
            ranked.put(capability, List.copyOf(slots));
        });
        return Map.copyOf(ranked);
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
