package dev.capfabric.kernel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capfabric.kernel.http.Json;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code capfabric jobs run <capability> <file>}: runs one job with the file as its input, like curl on
 * {@code POST /v1/capability/<capability>}, routed by the fabric as any job is (or pinned with
 * {@code --node}). Prints a JSON answer, or writes a binary one to {@code --out}; says on stderr which
 * node and provider served it and how long it took.
 */
final class JobsCommand extends FabricCommand {

    /** The largest answer read. */
    private static final long MAX_ANSWER = 512L << 20;
    /** The largest input sent (the node bounds it further per capability). */
    private static final long MAX_INPUT = 1L << 30;

    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("wav", "audio/wav"), Map.entry("mp3", "audio/mpeg"), Map.entry("ogg", "audio/ogg"), Map.entry("flac", "audio/flac"),
            Map.entry("webm", "audio/webm"), Map.entry("m4a", "audio/mp4"), Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"),
            Map.entry("jpeg", "image/jpeg"), Map.entry("gif", "image/gif"), Map.entry("bmp", "image/bmp"), Map.entry("tif", "image/tiff"),
            Map.entry("tiff", "image/tiff"), Map.entry("webp", "image/webp"), Map.entry("pdf", "application/pdf"),
            Map.entry("json", "application/json"), Map.entry("txt", "text/plain"));

    JobsCommand(Map<String, String> env) {
        super(env);
    }

    @Override
    public String name() {
        return "jobs";
    }

    @Override
    public String summary() {
        return "jobs run CAPABILITY FILE [--out F]   run one job with FILE as input, routed by the fabric";
    }

    @Override
    public String usage() {
        return """
                Usage: capfabric jobs run CAPABILITY FILE [--type MEDIA_TYPE] [--param NAME=VALUE]... [--node ID]
                                          [--out FILE] [--json]
                  Runs one job with FILE (or - for stdin) as its input: POST /v1/capability/CAPABILITY on the asked
                  node, which runs it or routes it across the fabric. The media type comes from the file's
                  extension unless --type says it; --param adds job parameters (e.g. --param language=en);
                  --node pins the node that must run it. A JSON answer is printed; any other answer is written
                  to --out. Which node and provider served the job, and the time taken, go to stderr (with
                  --json, into the printed object). A refused or failed job exits 1.
                """ + NodeApi.USAGE;
    }

    @Override
    Set<String> valued() {
        return Set.of("type", "node", "out");
    }

    @Override
    Set<String> repeatable() {
        return Set.of("param");
    }

    @Override
    int maxArguments() {
        return 3;
    }

    @Override
    int run(Options options, NodeApi api, PrintStream out, PrintStream err) {
        if (!options.argument(0, "'run'").equals("run")) {
            throw new UsageException("unknown jobs command '" + options.arguments().getFirst() + "': expected 'run'");
        }
        String capability = options.argument(1, "the capability (e.g. stt, tts, ocr)");
        String file = options.argument(2, "the input FILE (or - for stdin)");
        byte[] input = read(file);
        String type = options.value("type").orElseGet(() -> type(file));
        StringBuilder query = new StringBuilder();
        for (String param : options.values("param")) {
            int equals = param.indexOf('=');
            if (equals <= 0) {
                throw new UsageException("--param takes NAME=VALUE, not '" + param + "'");
            }
            query.append(query.isEmpty() ? '?' : '&').append(URLEncoder.encode(param.substring(0, equals), StandardCharsets.UTF_8))
                    .append('=').append(URLEncoder.encode(param.substring(equals + 1), StandardCharsets.UTF_8));
        }
        HttpRequest.Builder request = api.request("/v1/capability/" + DrainCommand.encode(capability) + query)
                .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofByteArray(input));
        options.value("node").ifPresent(node -> request.header("X-Capfabric-Node", node));
        long start = System.nanoTime();
        NodeApi.Answer answer = api.send(request, MAX_ANSWER);
        long millis = (System.nanoTime() - start) / 1_000_000;
        String node = answer.headers().firstValue("X-Capfabric-Node").orElse("?");
        String provider = answer.headers().firstValue("X-Capfabric-Provider").orElse("?");
        if (answer.status() != 200) {
            throw api.refused(capability + " job", answer);
        }
        String produced = answer.headers().firstValue("Content-Type").orElse("application/octet-stream");
        boolean json = produced.startsWith("application/json");
        if (options.value("out").isPresent()) {
            write(path(options.value("out").get()), answer.body());
        }
        if (options.flag("json")) {
            var report = Json.MAPPER.createObjectNode().put("node", node).put("provider", provider).put("millis", millis)
                    .put("media_type", produced).put("bytes", answer.body().length);
            options.value("out").ifPresent(f -> report.put("out", f));
            if (json) {
                report.set("result", answer.json());
            }
            out.println(report.toPrettyString());
            return 0;
        }
        if (json && options.value("out").isEmpty()) {
            JsonNode result = answer.json();
            out.println(result.toPrettyString());
        } else if (options.value("out").isEmpty()) {
            throw new CliException("the answer is " + produced + " (" + answer.body().length + " bytes): give --out FILE to keep it");
        }
        err.println(String.format(Locale.ROOT, "%s job served by node %s, provider %s, in %d ms (%s, %d bytes)%s", capability, node,
                provider, millis, produced, answer.body().length, options.value("out").map(f -> ", written to " + f).orElse("")));
        return 0;
    }

    private static byte[] read(String file) {
        try {
            if (file.equals("-")) {
                byte[] input = System.in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, MAX_INPUT + 1));
                if (input.length > MAX_INPUT) {
                    throw new CliException("the input is larger than " + MAX_INPUT + " bytes");
                }
                return input;
            }
            Path path = path(file);
            if (!Files.isRegularFile(path)) {
                throw new CliException("no file " + file);
            }
            if (Files.size(path) > MAX_INPUT) {
                throw new CliException(file + " is larger than " + MAX_INPUT + " bytes");
            }
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new CliException("cannot read " + file + ": " + e.getMessage());
        }
    }

    private static String type(String file) {
        int dot = file.lastIndexOf('.');
        String extension = dot < 0 ? "" : file.substring(dot + 1).toLowerCase(Locale.ROOT);
        return TYPES.getOrDefault(extension, "application/octet-stream");
    }

    private static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new CliException("cannot write " + file + ": " + e.getMessage());
        }
    }
}
