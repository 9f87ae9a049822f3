package dev.capfabric.kernel.openai;

import dev.capfabric.kernel.fabric.FabricView;
import dev.capfabric.kernel.fabric.GlobalView;
import dev.capfabric.kernel.node.CapabilitySummary;
import dev.capfabric.spi.Capability;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import static java.util.Objects.requireNonNull;

/**
 * The models the fleet serves now, from this node's view of the fabric (the registry, gone nodes left
 * out, read at most once a second): every provider's models, every provider id (engines such as flite have voices but no models),
 * and the configured aliases whose capability (and provider or model) some node has. When two
 * capabilities offer the same id, the first capability by name keeps it; an alias outranks both.
 */
final class ModelCatalog {

    /** How long one reading of the fabric view serves requests: building it costs more than a small job. */
    static final Duration FRESHNESS = Duration.ofSeconds(1);

    private record Snapshot(Instant takenAt, GlobalView view, Map<String, FleetModel> models) {
    }

    private final FabricView view;
    private final List<ModelAlias> aliases;
    private final Clock clock;
    private volatile Snapshot last;

    ModelCatalog(FabricView view, List<ModelAlias> aliases, Clock clock) {
        this.view = requireNonNull(view, "view is null");
        this.aliases = List.copyOf(aliases);
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** The fabric view and its models, read again when the last reading is older than {@link #FRESHNESS}. */
    private Snapshot snapshot() {
        Snapshot snapshot = last;
        Instant now = clock.instant();
        if (snapshot == null || !snapshot.takenAt().plus(FRESHNESS).isAfter(now) || snapshot.takenAt().isAfter(now)) {
            GlobalView global = view.globalView(false);
            snapshot = new Snapshot(now, global, build(global));
            last = snapshot;
        }
        return snapshot;
    }

    /** Every model served now, by id, in a stable order (aliases first, then by capability and id). */
    Map<String, FleetModel> models() {
        return snapshot().models();
    }

    private Map<String, FleetModel> build(GlobalView global) {
        // capability -> id -> model, built from every node's summary
        Map<String, Map<String, Served>> byCapability = new java.util.TreeMap<>();
        for (Map.Entry<String, GlobalView.Node> node : global.nodes().entrySet()) {
            for (Map.Entry<String, CapabilitySummary> capability : node.getValue().capabilities().entrySet()) {
                Map<String, Served> ids = byCapability.computeIfAbsent(capability.getKey(), k -> new java.util.TreeMap<>());
                for (String model : capability.getValue().models()) {
                    ids.computeIfAbsent(model, k -> new Served(Optional.empty(), Optional.of(model))).nodes.add(node.getKey());
                }
                for (String provider : capability.getValue().providers()) {
                    ids.computeIfAbsent(provider, k -> new Served(Optional.of(provider), Optional.empty())).nodes.add(node.getKey());
                }
            }
        }
        Map<String, FleetModel> models = new LinkedHashMap<>();
        for (ModelAlias alias : aliases) {
            Map<String, Served> ids = byCapability.getOrDefault(alias.capability().name(), Map.of());
            Set<String> nodes = new TreeSet<>();
            if (alias.provider().isEmpty() && alias.model().isEmpty()) {
                ids.values().forEach(served -> nodes.addAll(served.nodes));
            } else {
                ids.values().forEach(served -> nodes.addAll(served.nodes));
                // narrowed: only the nodes that have the provider and the model named
                alias.provider().ifPresent(p -> nodes.retainAll(ids.containsKey(p) ? ids.get(p).nodes : Set.of()));
                alias.model().ifPresent(m -> nodes.retainAll(ids.containsKey(m) ? ids.get(m).nodes : Set.of()));
            }
            if (!nodes.isEmpty()) {
                models.putIfAbsent(alias.id(), new FleetModel(alias.id(), alias.capability(), alias.provider(), alias.model(),
                        new ArrayList<>(nodes)));
            }
        }
        byCapability.forEach((capability, ids) -> ids.forEach((id, served) -> models.putIfAbsent(id,
                new FleetModel(id, Capability.of(capability), served.provider, served.model, new ArrayList<>(served.nodes)))));
        return java.util.Collections.unmodifiableMap(models);
    }

    /** The model with this id, if some node serves it. */
    Optional<FleetModel> find(String id) {
        return Optional.ofNullable(models().get(id));
    }

    /** The voices some node's providers of {@code capability} offer. */
    Set<String> voices(Capability capability) {
        return collect(capability, CapabilitySummary::voices);
    }

    /** The languages some node's providers of {@code capability} take; empty when none says (any is taken). */
    Set<String> languages(Capability capability) {
        return collect(capability, CapabilitySummary::languages);
    }

    private Set<String> collect(Capability capability, java.util.function.Function<CapabilitySummary, List<String>> what) {
        Set<String> values = new TreeSet<>();
        for (GlobalView.Node node : snapshot().view().nodes().values()) {
            CapabilitySummary summary = node.capabilities().get(capability.name());
            if (summary != null) {
                values.addAll(what.apply(summary));
            }
        }
        return values;
    }

    private static final class Served {
        final Optional<String> provider;
        final Optional<String> model;
        final Set<String> nodes = new TreeSet<>();

        Served(Optional<String> provider, Optional<String> model) {
            this.provider = provider;
            this.model = model;
        }
    }
}
