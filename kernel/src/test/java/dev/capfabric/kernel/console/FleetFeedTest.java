package dev.capfabric.kernel.console;

import dev.capfabric.kernel.config.InvalidSettingsException;
import dev.capfabric.kernel.fabric.NodeStatus;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fleet feed's bounds: pictures only while watched, unchanged ones not re-sent, slow readers coalesced, closing ends all. */
class FleetFeedTest {

    private static FleetSnapshot picture(int version) {
        // taken at a new time each call: only a different fleet is news
        return new FleetSnapshot("a", System.nanoTime(), "up", List.of(new FleetNode("n" + version, null, NodeStatus.OK, false, 5L, null, null,
                Map.of(), null, null)));
    }

    @Test
    void takesPicturesOnlyWhileSomeoneWatches() throws Exception {
        AtomicInteger taken = new AtomicInteger();
        try (FleetFeed feed = new FleetFeed(() -> picture(taken.incrementAndGet()), Duration.ofMillis(20), 4)) {
            Thread.sleep(200);
            assertEquals(0, taken.get(), "no watcher, no picture");
            try (FleetFeed.Subscription watcher = feed.subscribe().orElseThrow()) {
                assertTrue(watcher.next(Duration.ofSeconds(5)).isPresent());
            }
            Thread.sleep(100);
            int after = taken.get();
            Thread.sleep(200);
            assertTrue(taken.get() <= after + 1, "pictures went on after the last watcher left: " + after + " -> " + taken.get());
        }
    }

    @Test
    void anUnchangedPictureIsNotSentAgain() throws Exception {
        AtomicInteger taken = new AtomicInteger();
        try (FleetFeed feed = new FleetFeed(() -> { taken.incrementAndGet(); return picture(1); }, Duration.ofMillis(20), 4);
             FleetFeed.Subscription watcher = feed.subscribe().orElseThrow()) {
            assertTrue(watcher.next(Duration.ofSeconds(5)).isPresent());
            assertEquals(Optional.empty(), watcher.next(Duration.ofMillis(300)));
            assertTrue(taken.get() >= 5, "pictures were taken: " + taken.get());
        }
    }

    @Test
    void aSlowReaderGetsOnlyTheNewestPicture() throws Exception {
        AtomicInteger version = new AtomicInteger();
        try (FleetFeed feed = new FleetFeed(() -> picture(version.incrementAndGet()), Duration.ofMillis(10), 4);
             FleetFeed.Subscription watcher = feed.subscribe().orElseThrow()) {
            Thread.sleep(300); // about 30 pictures while nobody reads
            String newest = watcher.next(Duration.ofSeconds(1)).orElseThrow();
            int seen = Integer.parseInt(newest.replaceAll(".*\"node_id\":\"n(\\d+)\".*", "$1"));
            assertTrue(seen >= version.get() - 2, "not the newest: " + seen + " of " + version.get());
            assertTrue(version.get() > 10);
        }
    }

    @Test
    void atMostMaxSubscribersAndClosingEndsEveryone() throws Exception {
        FleetFeed feed = new FleetFeed(() -> picture(1), Duration.ofMillis(20), 2);
        FleetFeed.Subscription one = feed.subscribe().orElseThrow();
        FleetFeed.Subscription two = feed.subscribe().orElseThrow();
        assertTrue(feed.subscribe().isEmpty());
        two.close();
        two.close();
        FleetFeed.Subscription three = feed.subscribe().orElseThrow();
        assertEquals(2, feed.subscribers());
        feed.close();
        for (FleetFeed.Subscription s : List.of(one, three)) {
            assertThrows(FleetFeed.FeedClosedException.class, () -> {
                while (true) {
                    s.next(Duration.ofSeconds(2));
                }
            });
        }
        assertTrue(feed.subscribe().isEmpty(), "a closed feed takes nobody");
    }

    @Test
    void aFailingPictureIsSkippedAndTheFeedGoesOn() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (FleetFeed feed = new FleetFeed(() -> {
            if (calls.incrementAndGet() < 3) {
                throw new IllegalStateException("registry busy");
            }
            return picture(1);
        }, Duration.ofMillis(20), 2); FleetFeed.Subscription watcher = feed.subscribe().orElseThrow()) {
            assertTrue(watcher.next(Duration.ofSeconds(5)).isPresent());
        }
    }

    @Test
    void settingsOutOfRangeAreRefusedWithTheirName() {
        assertEquals(Duration.ofSeconds(1), ConsoleSettings.of(Config.empty()).eventsInterval());
        for (Map<String, String> bad : List.of(Map.of("events-interval-ms", "0"), Map.of("events-interval-ms", "10"),
                Map.of("max-watchers", "0"), Map.of("max-watchers", "-3"), Map.of("keep-alive-ms", "5"),
                Map.of("keep-alive-ms", "999999999"))) {
            Config config = Config.just(ConfigSources.create(bad));
            InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> ConsoleSettings.of(config), bad.toString());
            assertTrue(e.getMessage().contains(bad.keySet().iterator().next()), e.getMessage());
        }
    }
}
