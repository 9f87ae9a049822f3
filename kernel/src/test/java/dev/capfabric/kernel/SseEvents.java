package dev.capfabric.kernel;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a {@code text/event-stream} as a browser's EventSource would (event name, data lines joined),
 * noting when each event arrived. For tests.
 */
public final class SseEvents {

    /** One event as received: its name, its data as JSON, and {@link System#nanoTime()} at arrival. */
    public record Received(String name, JsonNode data, long atNanos) {
    }

    private SseEvents() {
    }

    /** Reads events until the stream ends or {@code max} events came. */
    public static List<Received> read(InputStream in, int max) throws IOException {
        List<Received> events = new ArrayList<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        Received next;
        while (events.size() < max && (next = next(reader)) != null) {
            events.add(next);
        }
        return events;
    }

    /** The next event, or null at the end of the stream. */
    public static Received next(BufferedReader reader) throws IOException {
        String name = "message";
        StringBuilder data = new StringBuilder();
        boolean any = false;
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            if (line.isEmpty()) {
                if (any) {
                    return new Received(name, TestNode.json(data.toString()), System.nanoTime());
                }
                continue;
            }
            if (line.startsWith("event:")) {
                name = line.substring(6).strip();
                any = true;
            } else if (line.startsWith("data:")) {
                if (!data.isEmpty()) {
                    data.append('\n');
                }
                data.append(line.substring(5).stripLeading());
                any = true;
            }
        }
        return null;
    }
}
