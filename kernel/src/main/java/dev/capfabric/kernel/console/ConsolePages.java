package dev.capfabric.kernel.console;

import io.helidon.webserver.staticcontent.StaticContentService;

import java.util.List;

/**
 * The console's pages: hand-written HTML, CSS and JavaScript modules inside the kernel jar (under
 * {@code capfabric-console/}, a folder name no Java package can have, so the module system leaves it
 * readable), served at {@code /} ({@code index.html}) and {@code /ui/...}. They hold no data: everything
 * they show comes from the API routes, with the key the operator gives the page.
 */
public final class ConsolePages {

    /** Where the pages are in the jar. */
    static final String ROOT = "capfabric-console";

    /**
     * Every file of the console, held in memory from the first request on: served without Helidon
     * copying each out of the jar into a temporary file (what it does for jar resources not cached).
     */
    static final List<String> FILES = List.of("index.html", "ui/style.css", "ui/app.js", "ui/api.js", "ui/fleet.js", "ui/node.js",
            "ui/try.js", "ui/operate.js");

    private ConsolePages() {
    }

    /** The static content service, to register at {@code /} after every API route. */
    public static StaticContentService service() {
        StaticContentService.ClassPathBuilder builder = StaticContentService.builder(ROOT, ConsolePages.class.getClassLoader());
        builder.welcomeFileName("index.html");
        FILES.forEach(builder::addCacheInMemory);
        return builder.build();
    }
}
