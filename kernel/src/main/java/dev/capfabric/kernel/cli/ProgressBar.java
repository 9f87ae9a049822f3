package dev.capfabric.kernel.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Shows the progress events of a plugin rollout ({@code {"progress": ...}} lines), one line per event:
 * the node, a bar of the jar's bytes it has received, and the stage it reached. One line per event
 * (rather than redrawing in place) reads the same in a terminal, a log and a CI transcript.
 */
final class ProgressBar {

    private static final int WIDTH = 24;

    private final PrintStream out;
    private final int nodeWidth;

    ProgressBar(PrintStream out, int nodeWidth) {
        this.out = out;
        this.nodeWidth = Math.max(4, nodeWidth);
    }

    void show(JsonNode event) {
        String node = event.path("node_id").asText("?");
        String stage = event.path("stage").asText("?");
        long bytes = event.path("bytes").asLong();
        long total = event.path("total").asLong();
        double done = stage.equals("loaded") ? 1 : total > 0 ? Math.min(1, (double) bytes / total) : 0;
        int filled = (int) Math.round(done * WIDTH);
        String bar = "#".repeat(filled) + "-".repeat(WIDTH - filled);
        String message = event.path("message").isTextual() ? "  " + event.path("message").asText() : "";
        out.println(String.format(Locale.ROOT, "  %-" + nodeWidth + "s [%s] %3d%%  %-9s %.1f/%.1f MiB%s", node, bar, Math.round(done * 100),
                stage, bytes / 1048576.0, total / 1048576.0, message));
    }
}
