package dev.capfabric.kernel.plugins;

import dev.capfabric.kernel.config.NodeSettings;
import dev.capfabric.kernel.config.ProviderSettings;
import dev.capfabric.spi.Capability;
import dev.capfabric.spi.Creation;
import dev.capfabric.spi.ProviderContext;
import dev.capfabric.spi.ProviderFactory;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * Keeps the node's providers in step with its plugins folder.
 *
 * <p>At start every plugin found is loaded. Afterwards the folder is polled: a jar or folder that
 * appears, changes or disappears is loaded, reloaded or unloaded. A new or changed entry is acted on
 * only once it looked the same on two polls in a row, so a jar still being copied in is not loaded
 * half-written; polling rather than a {@code WatchService} also works on file systems that send no
 * events. After every change the provider ids are reconciled: duplicates resolved, disabled ones
 * skipped, new winners created, and providers whose plugin went away retired (they finish their
 * running jobs, then close). Listeners hear of every change to the published {@link Inventory}.
 */
public final class PluginHost implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PluginHost.class.getName());
    private static final Pattern PROVIDER_ID = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(5);

    private final NodeSettings settings;
    private final PluginLayerLoader loader;
    private final Path dataDir;
    private final ScheduledExecutorService scheduler;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    // guarded by this
    private final Map<String, LoadedPlugin> plugins = new LinkedHashMap<>();
    private final Map<String, String> lastSeen = new LinkedHashMap<>();
    private final Map<String, ProviderSlot> live = new LinkedHashMap<>();
    private final List<ProviderSlot> retiring = new ArrayList<>();
    private final List<Path> retiredCopies = new ArrayList<>();
    private final Map<ProviderSlot, Path> origins = new java.util.IdentityHashMap<>();

    private volatile Inventory inventory = Inventory.empty();

    public PluginHost(NodeSettings settings) {
        this.settings = requireNonNull(settings, "settings is null");
        this.loader = new PluginLayerLoader(settings.workDir().resolve("plugins"));
        this.dataDir = settings.workDir().resolve("data");
        this.scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("capfabric-plugins").daemon().factory());
    }

    /** Loads every plugin now, then starts watching the folder and polling provider health. */
    public void start() {
        try {
            deleteTree(settings.workDir().resolve("plugins")); // copies left by a previous run
            Files.createDirectories(settings.workDir().resolve("plugins"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare work folder " + settings.workDir() + ": " + e.getMessage(), e);
        }
        sync(true);
        long poll = settings.pluginPollInterval().toMillis();
        scheduler.scheduleWithFixedDelay(() -> guarded(() -> sync(false)), poll, poll, TimeUnit.MILLISECONDS);
        long health = settings.healthInterval().toMillis();
        scheduler.scheduleWithFixedDelay(() -> guarded(this::refreshHealth), health, health, TimeUnit.MILLISECONDS);
    }

    /** The current view of plugins and providers. */
    public Inventory inventory() {
        return inventory;
    }

    /** Called after every change to the inventory, on the host's own thread. */
    public void addListener(Runnable listener) {
        listeners.add(requireNonNull(listener, "listener is null"));
    }

    /** Checks the plugins folder now instead of waiting for the next poll; new entries still need two looks. */
    public void pollNow() {
        sync(false);
    }

    private static void guarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "plugin host task failed", e);
        }
    }

    synchronized void sync(boolean initial) {
        List<PluginEntry> entries = PluginEntry.scan(settings.pluginsDir());
        boolean changed = false;
        Map<String, PluginEntry> found = new LinkedHashMap<>();
        entries.forEach(entry -> found.put(entry.name(), entry));

        for (Iterator<Map.Entry<String, LoadedPlugin>> it = plugins.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, LoadedPlugin> loaded = it.next();
            if (!found.containsKey(loaded.getKey())) {
                LOG.log(System.Logger.Level.INFO, "-- Unloading plugin {0}: removed from {1} --", loaded.getKey(), settings.pluginsDir());
                retiredCopies.add(loaded.getValue().copy());
                it.remove();
                changed = true;
            }
        }
        for (PluginEntry entry : entries) {
            String previous = lastSeen.put(entry.name(), entry.fingerprint());
            boolean stable = initial || entry.fingerprint().equals(previous);
            LoadedPlugin loaded = plugins.get(entry.name());
            if (!stable || (loaded != null && loaded.entry().fingerprint().equals(entry.fingerprint()))) {
                continue;
            }
            if (loaded != null) {
                LOG.log(System.Logger.Level.INFO, "-- Reloading plugin {0}: it changed --", entry.name());
                retiredCopies.add(loaded.copy());
            }
            plugins.put(entry.name(), loader.load(entry));
            changed = true;
        }
        lastSeen.keySet().retainAll(found.keySet());
        if (changed || initial) {
            reconcile();
        }
        sweepRetired();
    }

    private record Candidate(LoadedPlugin plugin, ProviderFactory factory, String id, Capability capability, int order,
                             Optional<ModuleDescriptor.Version> version) {

        String versionText() {
            return version.map(Object::toString).orElse("none");
        }
    }

    private void reconcile() {
        List<ProviderSlot> shown = new ArrayList<>();
        Map<String, List<Candidate>> byId = new LinkedHashMap<>();
        for (LoadedPlugin plugin : plugins.values()) {
            for (ProviderFactory factory : plugin.factories()) {
                try {
                    String id = requireNonNull(factory.id(), "id() returned null");
                    if (!PROVIDER_ID.matcher(id).matches()) {
                        throw new IllegalArgumentException("invalid provider id '" + id + "': expected " + PROVIDER_ID.pattern());
                    }
                    Capability capability = requireNonNull(factory.capability(), "capability() returned null");
                    byId.computeIfAbsent(id, k -> new ArrayList<>()).add(new Candidate(plugin, factory, id, capability, factory.order(),
                            PluginVersions.of(plugin, factory)));
                } catch (RuntimeException | LinkageError e) {
                    shown.add(ProviderSlot.absent(factory.getClass().getName(), null, plugin.name(), ProviderStatus.UNAVAILABLE,
                            "factory failed to describe itself: " + e));
                }
            }
        }

        Map<String, Future<ProviderSlot>> created = createNewWinners(byId);
        Map<String, ProviderSlot> nextLive = new LinkedHashMap<>();
        for (Map.Entry<String, List<Candidate>> group : byId.entrySet()) {
            String id = group.getKey();
            ProviderSettings providerSettings = settings.provider(id);
            List<Candidate> ranked = rank(group.getValue(), providerSettings.plugin());
            Candidate winner = ranked.getFirst();
            for (Candidate loser : ranked.subList(1, ranked.size())) {
                shown.add(ProviderSlot.absent(id, loser.capability(), loser.plugin().name(), ProviderStatus.UNAVAILABLE,
                        "duplicate provider id '" + id + "': plugin '" + winner.plugin().name() + "' supplies it ("
                                + whyWinner(winner, loser, providerSettings.plugin()) + ")"));
            }
            if (!providerSettings.enabled()) {
                shown.add(ProviderSlot.absent(id, winner.capability(), winner.plugin().name(), ProviderStatus.DISABLED,
                        "disabled by configuration (providers." + id + ".enabled=false)"));
                continue;
            }
            String key = winner.plugin().copy() + "/" + id;
            ProviderSlot slot = live.get(key);
            if (slot == null) {
                Future<ProviderSlot> pending = created.get(key);
                slot = pending == null ? create(winner, providerSettings) : joined(pending);
                origins.put(slot, winner.plugin().copy());
            }
            nextLive.put(key, slot);
            shown.add(slot);
        }

        List<ProviderSlot> leaving = new ArrayList<>();
        for (Map.Entry<String, ProviderSlot> old : live.entrySet()) {
            if (!nextLive.containsKey(old.getKey())) {
                leaving.add(old.getValue());
            }
        }
        live.clear();
        live.putAll(nextLive);

        List<PluginReport> reports = plugins.values().stream().map(LoadedPlugin::report).toList();
        List<PluginJar> jars = plugins.values().stream().flatMap(p -> p.jars().stream()).toList();
        shown.sort(Comparator.comparing(ProviderSlot::id).thenComparing(ProviderSlot::plugin));
        // the new view goes out before the old providers retire, so no reader sees a retiring provider listed
        publish(new Inventory(shown, reports, jars, settings.preferences()));
        for (ProviderSlot slot : leaving) {
            slot.retire();
            retiring.add(slot);
        }
    }

    /**
     * Starts creating, all at once, the providers that are new winners of their id: engines that load
     * models take seconds each, and a node should not wait for them one after another.
     */
    private Map<String, Future<ProviderSlot>> createNewWinners(Map<String, List<Candidate>> byId) {
        Map<String, Future<ProviderSlot>> created = new LinkedHashMap<>();
        for (Map.Entry<String, List<Candidate>> group : byId.entrySet()) {
            ProviderSettings providerSettings = settings.provider(group.getKey());
            Candidate winner = rank(group.getValue(), providerSettings.plugin()).getFirst();
            String key = winner.plugin().copy() + "/" + group.getKey();
            if (providerSettings.enabled() && !live.containsKey(key)) {
                FutureTask<ProviderSlot> task = new FutureTask<>(() -> create(winner, providerSettings));
                Thread.ofVirtual().name("capfabric-create-" + group.getKey()).start(task);
                created.put(key, task);
            }
        }
        return created;
    }

    private static ProviderSlot joined(Future<ProviderSlot> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while providers were created", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("provider creation failed", e.getCause());
        }
    }

    /**
     * Best first: the plugin the configuration names ({@code providers.<id>.plugin}), else the higher
     * version (a plugin stating none ranks below one that does), else the higher {@code order()}, else
     * the plugin name that sorts first.
     */
    private static List<Candidate> rank(List<Candidate> candidates, Optional<String> pinnedPlugin) {
        Comparator<Optional<ModuleDescriptor.Version>> byVersion =
                Comparator.comparing(v -> v.orElse(null), Comparator.nullsLast(Comparator.<ModuleDescriptor.Version>reverseOrder()));
        return candidates.stream()
                .sorted(Comparator.<Candidate, Boolean>comparing(c -> !pinnedPlugin.map(c.plugin().name()::equals).orElse(false))
                        .thenComparing(Candidate::version, byVersion)
                        .thenComparing(Comparator.comparingInt(Candidate::order).reversed())
                        .thenComparing(c -> c.plugin().name()))
                .toList();
    }

    private static String whyWinner(Candidate winner, Candidate loser, Optional<String> pinnedPlugin) {
        if (pinnedPlugin.isPresent() && pinnedPlugin.get().equals(winner.plugin().name())) {
            return "configured by providers." + winner.id() + ".plugin";
        }
        if (!winner.version().equals(loser.version())) {
            return "version " + winner.versionText() + " over " + loser.versionText();
        }
        if (winner.order() != loser.order()) {
            return "same version " + winner.versionText() + ", order " + winner.order() + " over " + loser.order();
        }
        return "same version " + winner.versionText() + " and order " + winner.order() + ", plugin names sort '"
                + winner.plugin().name() + "' first";
    }

    private ProviderSlot create(Candidate candidate, ProviderSettings providerSettings) {
        String id = candidate.id();
        String plugin = candidate.plugin().name();
        try {
            Path data = Files.createDirectories(dataDir.resolve(id));
            ProviderContext context = new Context(settings.nodeId(), providerSettings.values(), data,
                    System.getLogger("capfabric.provider." + id));
            Creation creation = candidate.factory().create(context);
            return switch (creation) {
                case Creation.Ready ready -> {
                    LOG.log(System.Logger.Level.INFO, "provider {0} ({1}) from plugin {2}: usable", id, candidate.capability(), plugin);
                    yield ProviderSlot.live(id, candidate.capability(), plugin, ready.provider(), () -> {
                    });
                }
                case Creation.Unusable unusable -> {
                    LOG.log(System.Logger.Level.INFO, "provider {0} ({1}) from plugin {2}: unavailable: {3}", id,
                            candidate.capability(), plugin, unusable.reason());
                    yield ProviderSlot.absent(id, candidate.capability(), plugin, ProviderStatus.UNAVAILABLE, unusable.reason());
                }
                case null -> ProviderSlot.absent(id, candidate.capability(), plugin, ProviderStatus.UNAVAILABLE,
                        "factory returned no creation");
            };
        } catch (IOException | RuntimeException | LinkageError e) {
            LOG.log(System.Logger.Level.WARNING, "provider " + id + " from plugin " + plugin + " failed to start", e);
            return ProviderSlot.absent(id, candidate.capability(), plugin, ProviderStatus.UNAVAILABLE, "factory failed: " + e);
        }
    }

    private record Context(String nodeId, Map<String, String> config, Path dataDir, System.Logger logger)
            implements ProviderContext {
    }

    private void refreshHealth() {
        List<ProviderSlot> slots;
        synchronized (this) {
            slots = List.copyOf(live.values());
        }
        Map<ProviderSlot, String> before = new LinkedHashMap<>();
        slots.forEach(slot -> before.put(slot, slot.status() + "|" + slot.description().map(Object::toString).orElse("")));
        try (var checks = Executors.newVirtualThreadPerTaskExecutor()) {
            Map<ProviderSlot, Future<?>> running = new LinkedHashMap<>();
            slots.forEach(slot -> running.put(slot, checks.submit(slot::refresh)));
            running.forEach((slot, future) -> {
                try {
                    future.get(HEALTH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    future.cancel(true);
                    slot.markDown("health check did not answer within " + HEALTH_TIMEOUT.toSeconds() + " s");
                } catch (Exception e) {
                    slot.markDown("health check failed: " + e);
                }
            });
        }
        boolean changed = before.entrySet().stream().anyMatch(e ->
                !e.getValue().equals(e.getKey().status() + "|" + e.getKey().description().map(Object::toString).orElse("")));
        if (changed) {
            synchronized (this) {
                publish(inventory);
            }
        }
    }

    /**
     * Tells the listeners that a provider's status changed between health checks (the dispatcher wrote
     * off a stuck job of it, or such a job returned). Call without holding locks a listener may take.
     */
    public void providerStatusChanged() {
        synchronized (this) {
            publish(inventory);
        }
    }

    /** Asks every live provider for its health now. */
    public void refreshHealthNow() {
        refreshHealth();
    }

    private void publish(Inventory next) {
        inventory = next;
        for (Runnable listener : listeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "inventory listener failed", e);
            }
        }
    }

    /** Deletes the working copies of unloaded plugins once none of their providers is still running a job. */
    private void sweepRetired() {
        for (Iterator<ProviderSlot> it = retiring.iterator(); it.hasNext(); ) {
            ProviderSlot slot = it.next();
            if (slot.isClosed()) {
                origins.remove(slot);
                it.remove();
            }
        }
        for (Iterator<Path> it = retiredCopies.iterator(); it.hasNext(); ) {
            Path copy = it.next();
            if (!origins.containsValue(copy)) {
                deleteTree(copy);
                it.remove();
            }
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    // still mapped by a class loader on some systems: left for the next start
                }
            });
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot delete " + root, e);
        }
    }

    /** Stops watching, retires every provider (each closes after its running jobs return). */
    @Override
    public void close() {
        scheduler.shutdownNow();
        synchronized (this) {
            live.values().forEach(ProviderSlot::retire);
            live.clear();
        }
    }
}
