/**
 * The capfabric kernel: loads capability-provider plugins into module layers, derives the node's
 * capabilities, dispatches jobs, joins the NATS fabric and serves HTTP.
 */
module capfabric.kernel {
    requires capfabric.spi;

    requires io.helidon.webserver;
    // the HTTP listener's TLS from PEM files
    requires io.helidon.common.tls;
    requires io.helidon.common.pki;
    requires io.helidon.common.configurable;
    requires io.helidon.config;
    requires io.helidon.config.yaml;
    requires io.helidon.webserver.observe;
    requires io.helidon.webserver.observe.health;
    requires io.helidon.health;
    requires io.helidon.logging.common;
    requires io.helidon.webserver.cors;
    // the operator console's pages (static content); server-sent events: job progress, partial results, the console's fleet feed
    requires io.helidon.webserver.staticcontent;
    requires io.helidon.webserver.sse;
    requires io.helidon.http.sse;

    requires com.fasterxml.jackson.databind;
    requires com.github.oshi;
    requires io.nats.jnats;
    // multipart/form-data parsing for the OpenAI-shaped routes (an automatic module, named from its jar)
    requires apache.mime4j.core;
    // mime4j's own dependency: an explicit module, so nothing resolves it unless required here
    requires org.apache.commons.io;
    // image dimensions on /v1/ocr answers (javax.imageio reads headers only)
    requires java.desktop;
    requires org.jctools.core;
    requires micrometer.core;
    requires micrometer.registry.prometheus;
    // OSHI (an automatic module) logs through SLF4J; resolving it here brings in the JUL binding
    requires org.slf4j;
    // to quiet one expected Helidon warning (http.GlobalMappers)
    // bin/capfabric's fabric subcommands talk to a node's HTTP API with the JDK's client; durable jobs post their callbacks
    requires java.net.http;
    requires java.logging;
    // the process's CPU time for /metrics (node.RuntimeMeters)
    requires jdk.management;

    // JCTools reads fields through sun.misc.Unsafe
    requires jdk.unsupported;

    uses dev.capfabric.spi.ProviderFactory;
    // logging is the node's own (logging.StdoutLogging): this tells Helidon so, which quiets its notice at start
    provides io.helidon.logging.common.spi.LoggingProvider with dev.capfabric.kernel.logging.HelidonLogging;

    exports dev.capfabric.kernel;

    // records that become JSON
    opens dev.capfabric.kernel.node to com.fasterxml.jackson.databind;
    opens dev.capfabric.kernel.http to com.fasterxml.jackson.databind;
    opens dev.capfabric.kernel.plugins to com.fasterxml.jackson.databind;
    opens dev.capfabric.kernel.dispatch to com.fasterxml.jackson.databind;
    opens dev.capfabric.kernel.fabric to com.fasterxml.jackson.databind;
    opens dev.capfabric.kernel.logging to com.fasterxml.jackson.databind;
    opens dev.capfabric.kernel.openai to com.fasterxml.jackson.databind;
    opens dev.capfabric.kernel.cli to com.fasterxml.jackson.databind;
    opens dev.capfabric.kernel.jobs to com.fasterxml.jackson.databind;
    opens dev.capfabric.kernel.console to com.fasterxml.jackson.databind;
}
