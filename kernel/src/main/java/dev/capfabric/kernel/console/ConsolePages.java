package dev.capfabric.kernel.console;

import io.helidon.webserver.staticcontent.StaticContentService;

/**
 * The console's pages: hand-written HTML, CSS and JavaScript modules inside the kernel jar (under
 * {@code capfabric-console/}, a folder name no Java package can have, so the module system leaves it
 * readable), served at {@code /} ({@code index.html}) and {@code /ui/...}. They hold no data: everything
 * they show comes from the API routes, with the key the operator gives the page.
 */
public final class ConsolePages {

    /** Where the pages are in the jar. */
    static final String ROOT = "capfabric-console";

    private ConsolePages() {
    }

    /** The static content service, to register at {@code /} after every API route. */
    public static StaticContentService service() {
        return StaticContentService.builder(ROOT, ConsolePages.class.getClassLoader())
                .welcomeFileName("index.html")
                .build();
    }
}
