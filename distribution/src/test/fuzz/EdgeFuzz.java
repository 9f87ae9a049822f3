import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Seeded, bounded fuzzing of a running capfabric node's HTTP edge, loopback only.
 *
 * <pre>java EdgeFuzz.java PORT NODE_PID SEED COUNT SECONDS RSS_BOUND_MB</pre>
 *
 * Sends COUNT generated hostile requests (or stops after SECONDS), each class of issue 12 with
 * random variants, one per fresh connection, and asserts for every one: no 500/502/504 (and 503
 * only as "busy"), at most one response per request, every response whole (no shorter than its
 * Content-Length), an answer or a close within the request timeout, and the node's RSS below the
 * bound throughout. Then 200 connections that declare a large body and trickle, RSS sampled; then
 * 100 tts answers of 1 to 20 MB over fresh and reused connections, each whole; then a normal job must succeed.
 * Prints "N passed, M failed" and exits 1 on any failure.
 */
public final class EdgeFuzz {

    static final long REQUEST_TIMEOUT_MS = 15_000;

    static int port;
    static long pid;
    static long rssBoundKb;
    static long rssMaxKb;
    static Random random;
    static int passed;
    static final List<String> failures = new ArrayList<>();

    record Response(int status, String head, byte[] body, boolean complete) {
    }

    record Result(List<Response> responses, boolean closed, boolean timedOut, long millis) {
    }

    public static void main(String[] args) throws Exception {
        port = Integer.parseInt(args[0]);
        pid = Long.parseLong(args[1]);
        long seed = Long.parseLong(args[2]);
        int count = Integer.parseInt(args[3]);
        long seconds = Long.parseLong(args[4]);
        rssBoundKb = Long.parseLong(args[5]) * 1024;
        random = new Random(seed);
        System.out.println("fuzz: seed " + seed + ", " + count + " requests at most, " + seconds + " s, RSS bound " + args[5] + " MB");

        List<Supplier<byte[]>> classes = List.of(EdgeFuzz::earlyAnswer, EdgeFuzz::transferEncoding, EdgeFuzz::malformedChunked,
                EdgeFuzz::contentLength, EdgeFuzz::longLines, EdgeFuzz::escapes, EdgeFuzz::connectionClose, EdgeFuzz::protocolEdge,
                EdgeFuzz::mutated, EdgeFuzz::decodeBomb, EdgeFuzz::headerJunk);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        for (int i = 0; i < count && System.nanoTime() < end; i++) {
            int which = random.nextInt(classes.size());
            byte[] request = classes.get(which).get();
            boolean halfClose = which == 3 && random.nextInt(3) == 0;
            check("request " + i + " (class " + which + ")", request, exchange(request, halfClose));
            if (i % 20 == 0) {
                sampleRss("after request " + i);
            }
        }
        trickling(200);
        largeAnswers();
        finalJob();
        sampleRss("at the end");
        System.out.println("fuzz: highest RSS " + rssMaxKb / 1024 + " MB (bound " + rssBoundKb / 1024 + " MB)");
        for (String f : failures.subList(0, Math.min(30, failures.size()))) {
            System.out.println("FAIL " + f);
        }
        System.out.println(passed + " passed, " + failures.size() + " failed");
        System.exit(failures.isEmpty() ? 0 : 1);
    }

    // ---- generators, one per class of issue 12 ----------------------------------------------------

    static final String[] JOB_PATHS = {"/v1/capability/tts", "/v1/capability/ocr", "/v1/capability/stt", "/v1/capability/nope",
            "/v1/capability/Bad!", "/v1/capability/tts/x", "/caps", "/nowhere", "/health", "/metrics"};
    static final String[] METHODS = {"POST", "PUT", "DELETE", "PATCH", "GET", "POST", "POST"};

    static String smuggled() {
        return random.nextBoolean() ? "GET /caps HTTP/1.1\r\nHost: x\r\n\r\n"
                : "POST /v1/capability/tts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"text\":\"smuggled\"}";
    }

    static byte[] earlyAnswer() {
        String method = METHODS[random.nextInt(METHODS.length)];
        String path = JOB_PATHS[random.nextInt(JOB_PATHS.length)];
        String extra = switch (random.nextInt(5)) {
            case 0 -> "X-Request-Timeout: " + pick("soon", "-1", "0", "1e3", "") + "\r\n";
            case 1 -> "X-Capfabric-Node: " + pick("Bad Node", "UPPER", "a..b", "-x") + "\r\n";
            case 2 -> "Content-Type: " + pick("application/json", "text/plain", "image/png") + "\r\n";
            default -> "";
        };
        String body = smuggled();
        String framing = random.nextBoolean() ? "Content-Length: " + body.length() + "\r\n\r\n" + body
                : "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n";
        if (random.nextInt(4) == 0) {
            framing = "Content-Length: " + (1L << (20 + random.nextInt(40))) + "\r\n\r\n" + body;
        }
        return bytes(method + " " + path + " HTTP/1.1\r\nHost: x\r\n" + extra + framing);
    }

    static byte[] transferEncoding() {
        String[] codings = {"chunked", "Chunked", "CHUNKED", "gzip", "identity", "deflate", "compress", "x-y", "chunked;q=1", " chunked", "chunked "};
        int n = 1 + random.nextInt(3);
        StringBuilder te = new StringBuilder();
        for (int i = 0; i < n; i++) {
            te.append(i == 0 ? "" : pick(", ", ",", " ,")).append(codings[random.nextInt(codings.length)]);
        }
        String value = te.toString();
        if (value.equals("chunked")) {
            value = "gzip, chunked";
        }
        String cl = random.nextInt(3) == 0 ? "Content-Length: " + random.nextInt(50) + "\r\n" : "";
        return bytes("POST /v1/capability/tts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + value + "\r\n" + cl
                + "\r\n10\r\n{\"text\":\"hello\"}\r\n0\r\n\r\n" + smuggled());
    }

    static byte[] malformedChunked() {
        String size = switch (random.nextInt(8)) {
            case 0 -> "-" + Integer.toHexString(1 + random.nextInt(100));
            case 1 -> "f".repeat(9 + random.nextInt(30));
            case 2 -> "zz" + random.nextInt(99);
            case 3 -> "10;" + "e".repeat(random.nextInt(70_000));
            case 4 -> "10;a=b";
            case 5 -> "0x10";
            case 6 -> "";
            default -> "10 ;" + "x".repeat(random.nextInt(20));
        };
        return bytes("POST /v1/capability/tts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + size + "\r\n{\"text\":\"hello\"}\r\n0\r\n\r\n" + smuggled());
    }

    static byte[] contentLength() {
        String body = "{\"text\":\"hi\"}";
        String value = switch (random.nextInt(10)) {
            case 0 -> "-" + (1 + random.nextInt(1000));
            case 1 -> "0x" + Integer.toHexString(body.length());
            case 2 -> body.length() + ", " + body.length();
            case 3 -> "+" + body.length();
            case 4 -> "9".repeat(20 + random.nextInt(20));
            case 5 -> "";
            case 6 -> body.length() + " " + body.length();
            default -> String.valueOf(body.length() + 1 + random.nextInt(100_000)); // more than is sent
        };
        return bytes("POST /v1/capability/tts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + value + "\r\n\r\n" + body);
    }

    static byte[] longLines() {
        int size = 2_000 + random.nextInt(40_000);
        String path = JOB_PATHS[random.nextInt(JOB_PATHS.length)];
        String request = switch (random.nextInt(4)) {
            case 0 -> "GET " + path + "?q=" + "%41".repeat(size / 3) + " HTTP/1.1\r\nHost: x\r\n\r\n";
            case 1 -> "GET " + path + "?" + "a=1&".repeat(size / 4) + " HTTP/1.1\r\nHost: x\r\n\r\n";
            case 2 -> "POST /v1/capability/" + "a".repeat(size) + " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}";
            default -> "GET /caps HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(size) + "\r\n\r\n";
        };
        return bytes(request);
    }

    static byte[] escapes() {
        String junk = pick("%zz", "%4", "%", "%%", "%G1", "\u0001", "\u007f", "\u0000", " ", "\t", "%00", "%0d%0a", "<>", "\"");
        String where = pick("/caps?q=" + junk, "/v1/capability/tts?voice=" + junk, "/" + junk, "/v1/capability/" + junk);
        return bytes("GET " + where + " HTTP/1.1\r\nHost: x\r\n\r\n");
    }

    static byte[] connectionClose() {
        String value = pick("close", "Close", "CLOSE", "keep-alive, close", "close, keep-alive");
        String first = random.nextBoolean() ? "GET /caps HTTP/1.1\r\nHost: x\r\nConnection: " + value + "\r\n\r\n"
                : "POST /v1/capability/nope HTTP/1.1\r\nHost: x\r\nConnection: " + value + "\r\nContent-Length: 2\r\n\r\n{}";
        return bytes(first + smuggled());
    }

    static byte[] protocolEdge() {
        return bytes(pick("GET /caps HTTP/1.0\r\n\r\n", "GET /caps HTTP/1.0\r\nHost: x\r\n\r\n", "GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                "\r\nGET /caps HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "\r\n\r\n\r\nGET /caps HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "GET /caps HTTP/1.1\nHost: x\n\n", "GET /caps HTTP/2.0\r\nHost: x\r\n\r\n", "GET /caps HTTP/1.1\r\n\r\n",
                "GET /caps\r\n\r\n", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\r\n\r\n", "GET  /caps HTTP/1.1\r\n\r\n"));
    }

    static byte[] mutated() {
        byte[] request = bytes("POST /v1/capability/tts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"text\":\"hello\"}");
        int flips = 1 + random.nextInt(4);
        for (int i = 0; i < flips; i++) {
            request[random.nextInt(request.length)] = (byte) random.nextInt(256);
        }
        return request;
    }

    static byte[] headerJunk() {
        String header = pick("Bad Header: y", ": empty", "NoColon", " folded: x", "X:\u0001", "Host: a\r\nHost: b", "X-\u00ff: y",
                "Content-Length: 1\r\nContent-Length: 2", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked", "Expect: 100-continue");
        return bytes("POST /v1/capability/tts HTTP/1.1\r\nHost: x\r\n" + header + "\r\nContent-Length: 16\r\n\r\n{\"text\":\"hello\"}");
    }

    /** Decode bombs for the ocr capability: each must be refused (4xx) before any decoder runs away. */
    static byte[] decodeBomb() {
        byte[] image = switch (random.nextInt(4)) {
            case 0 -> tiffDuplicate(30_000 + random.nextInt(20_000));
            case 1 -> png(30_000 + random.nextInt(30_000), 30_000 + random.nextInt(30_000));
            case 2 -> tiffPages(1 + random.nextInt(5), 40_000);
            default -> bmp(20_000 + random.nextInt(20_000));
        };
        String head = "POST /v1/capability/ocr HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: " + image.length + "\r\n\r\n";
        byte[] all = new byte[head.length() + image.length];
        System.arraycopy(bytes(head), 0, all, 0, head.length());
        System.arraycopy(image, 0, all, head.length(), image.length);
        return all;
    }

    static byte[] tiffDuplicate(int big) {
        ByteBuffer t = ByteBuffer.allocate(8 + 2 + 4 * 12 + 4 + 2048).order(ByteOrder.LITTLE_ENDIAN);
        t.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8).putShort((short) 4);
        t.putShort((short) 256).putShort((short) 4).putInt(1).putInt(big);
        t.putShort((short) 257).putShort((short) 4).putInt(1).putInt(big);
        t.putShort((short) 256).putShort((short) 4).putInt(1).putInt(100);
        t.putShort((short) 257).putShort((short) 4).putInt(1).putInt(100);
        t.putInt(0);
        return t.array();
    }

    static byte[] tiffPages(int small, int big) {
        ByteBuffer t = ByteBuffer.allocate(8 + (small + 1) * (2 + 2 * 12 + 4)).order(ByteOrder.BIG_ENDIAN);
        t.put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(8);
        for (int p = 0; p <= small; p++) {
            int side = p == small ? big : 100;
            t.putShort((short) 2);
            t.putShort((short) 256).putShort((short) 4).putInt(1).putInt(side);
            t.putShort((short) 257).putShort((short) 4).putInt(1).putInt(side);
            t.putInt(p == small ? 0 : t.position() + 4);
        }
        return t.array();
    }

    static byte[] png(int w, int h) {
        ByteBuffer p = ByteBuffer.allocate(33 + 12);
        p.put(new byte[]{(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}).putInt(13).put(bytes("IHDR")).putInt(w).putInt(h)
                .put(new byte[]{8, 2, 0, 0, 0}).putInt(0).putInt(0).put(bytes("IEND")).putInt(0);
        return p.array();
    }

    static byte[] bmp(int side) {
        ByteBuffer b = ByteBuffer.allocate(54 + 64).order(ByteOrder.LITTLE_ENDIAN);
        b.put(bytes("BM")).putInt(54 + 64).putInt(0).putInt(54).putInt(40).putInt(side).putInt(side).putShort((short) 1)
                .putShort((short) 24).putInt(0).putInt(0).putInt(0).putInt(0).putInt(0).putInt(0);
        return b.array();
    }

    // ---- exchanges and checks --------------------------------------------------------------------

    static Result exchange(byte[] request, boolean halfClose) {
        long started = System.nanoTime();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(250);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
                if (halfClose) {
                    socket.shutdownOutput();
                }
            } catch (IOException e) {
                // the node may close before taking everything: what it answered still counts
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buffer = new byte[64 * 1024];
            boolean closed = false;
            boolean timedOut = false;
            long quietSince = System.nanoTime();
            while (true) {
                try {
                    int n = in.read(buffer);
                    if (n < 0) {
                        closed = true;
                        break;
                    }
                    got.write(buffer, 0, n);
                    quietSince = System.nanoTime();
                } catch (SocketTimeoutException e) {
                    List<Response> sofar = parse(got.toByteArray());
                    boolean answered = !sofar.isEmpty() && sofar.getLast().complete();
                    // answered and quiet for half a second: a second response would have come by now
                    if (answered && System.nanoTime() - quietSince > 500_000_000L) {
                        break;
                    }
                    if ((System.nanoTime() - started) / 1_000_000 > REQUEST_TIMEOUT_MS) {
                        timedOut = !answered;
                        break;
                    }
                } catch (IOException reset) {
                    closed = true;
                    break;
                }
            }
            return new Result(parse(got.toByteArray()), closed, timedOut, (System.nanoTime() - started) / 1_000_000);
        } catch (IOException e) {
            return new Result(List.of(), true, false, (System.nanoTime() - started) / 1_000_000);
        }
    }

    static void check(String what, byte[] request, Result result) {
        String shown = what + " " + preview(request) + " -> ";
        if (result.timedOut()) {
            fail(shown + "no answer and no close within " + REQUEST_TIMEOUT_MS + " ms");
            return;
        }
        if (result.responses().size() > 1) {
            fail(shown + result.responses().size() + " responses to one request: " + heads(result));
            return;
        }
        if (result.responses().isEmpty()) {
            fail(shown + "closed without an answer");
            return;
        }
        Response r = result.responses().getFirst();
        if (!r.complete()) {
            fail(shown + "short answer: " + r.body().length + " bytes, head " + r.head());
            return;
        }
        if (r.status() == 500 || r.status() == 502 || r.status() == 504 || r.status() > 505
                || (r.status() == 503 && !new String(r.body(), StandardCharsets.UTF_8).contains("\"busy\""))) {
            fail(shown + "server error " + r.status() + ": " + new String(r.body(), StandardCharsets.UTF_8));
            return;
        }
        if (r.status() >= 400 && !r.head().toLowerCase(Locale.ROOT).contains("content-type: application/json")) {
            fail(shown + "error " + r.status() + " is not JSON: " + r.head());
            return;
        }
        passed++;
    }

    static void fail(String message) {
        failures.add(message);
    }

    static List<Response> parse(byte[] bytes) {
        List<Response> responses = new ArrayList<>();
        int at = 0;
        while (at < bytes.length) {
            int headEnd = indexOf(bytes, bytes("\r\n\r\n"), at);
            if (headEnd < 0) {
                responses.add(new Response(-1, new String(bytes, at, bytes.length - at, StandardCharsets.ISO_8859_1), new byte[0], false));
                break;
            }
            String head = new String(bytes, at, headEnd - at, StandardCharsets.ISO_8859_1);
            int status;
            try {
                status = Integer.parseInt(head.split(" ", 3)[1]);
            } catch (RuntimeException e) {
                status = -1;
            }
            long length = status >= 100 && status < 200 ? 0 : -1;
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Long.parseLong(line.substring(15).strip());
                }
            }
            int start = headEnd + 4;
            if (length < 0 && head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
                int end = chunkedEnd(bytes, start);
                boolean complete = end >= 0;
                int stop = complete ? end : bytes.length;
                byte[] body = java.util.Arrays.copyOfRange(bytes, start, stop);
                if (status < 100 || status >= 200) {
                    responses.add(new Response(status, head, body, complete));
                }
                at = stop;
                continue;
            }
            long available = bytes.length - start;
            long take = length < 0 ? available : Math.min(length, available);
            byte[] body = new byte[(int) take];
            System.arraycopy(bytes, start, body, 0, (int) take);
            if (status < 100 || status >= 200) { // an interim 100 Continue is not an answer
                responses.add(new Response(status, head, body, length >= 0 && available >= length));
            }
            at = start + (int) take;
        }
        return responses;
    }

    // ---- phases ------------------------------------------------------------------------------------

    /** Many connections that declare a large body and send it a few bytes at a time. */
    static void trickling(int connections) throws Exception {
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < connections; i++) {
                Socket s = new Socket("127.0.0.1", port);
                s.getOutputStream().write(bytes("POST /v1/capability/tts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000000\r\n\r\n{\"text\":\""));
                sockets.add(s);
            }
            long end = System.nanoTime() + 6_000_000_000L;
            while (System.nanoTime() < end) {
                for (Socket s : sockets) {
                    try {
                        s.getOutputStream().write(bytes("a".repeat(256)));
                    } catch (IOException closedByTheNode) {
                        // refused (503) or timed out (408): closed, as it should be
                    }
                }
                sampleRss("while " + connections + " connections trickle");
                Thread.sleep(300);
            }
            Result other = exchange(bytes("GET /caps HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), false);
            check("GET /caps while " + connections + " connections trickle", new byte[0], other);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        System.out.println("fuzz: " + connections + " trickling connections, highest RSS so far " + rssMaxKb / 1024 + " MB");
    }

    /** Answers checked whole by the large-answer phase, and their range in MB. */
    static final int LARGE_ANSWERS = 100;

    /**
     * Long tts texts: 100 answers of 1 to 20 MB (espeak-ng, about 2.5 KB of 22 kHz audio per character
     * of text), alternately over fresh connections and one reused connection, each whole: every byte
     * its Content-Length promised, and a RIFF header whose sizes agree with the bytes that came.
     */
    static void largeAnswers() throws Exception {
        String[] words = "the quick brown fox jumps over the lazy dog and keeps running far away from every hunter".split(" ");
        int whole = 0;
        long smallest = Long.MAX_VALUE;
        long largest = 0;
        try (Socket reused = new Socket("127.0.0.1", port)) {
            reused.setSoTimeout(120_000);
            for (int i = 0; i < LARGE_ANSWERS; i++) {
                int characters = 400 + i * 7600 / (LARGE_ANSWERS - 1); // 1 MB to 20 MB of audio, within the node's 8000
                StringBuilder text = new StringBuilder();
                while (text.length() < characters) {
                    text.append(words[random.nextInt(words.length)]).append(' ');
                }
                String json = "{\"text\":\"" + text.substring(0, characters).strip() + "\"}";
                byte[] request = bytes("POST /v1/capability/tts?provider=espeak-ng HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "X-Request-Timeout: 120000\r\nContent-Length: " + json.length() + "\r\n\r\n" + json);
                Response r;
                if (i % 2 == 0) {
                    try (Socket fresh = new Socket("127.0.0.1", port)) {
                        fresh.setSoTimeout(120_000);
                        r = oneResponse(fresh, request);
                    }
                } else {
                    r = oneResponse(reused, request);
                }
                byte[] b = r.body();
                boolean riff = b.length >= 44 && new String(b, 0, 4, StandardCharsets.ISO_8859_1).equals("RIFF")
                        && littleEndian(b, 4) == b.length - 8;
                if (r.status() != 200 || !r.complete() || !riff) {
                    fail("long tts answer " + i + " (" + characters + " characters): status " + r.status() + ", " + b.length
                            + " bytes, whole " + r.complete() + ", RIFF sizes agree " + riff + " " + r.head());
                } else {
                    whole++;
                    passed++;
                    smallest = Math.min(smallest, b.length);
                    largest = Math.max(largest, b.length);
                }
                sampleRss("after long answer " + i);
            }
        }
        System.out.printf(Locale.ROOT, "fuzz: %d of %d long tts answers of %.1f to %.1f MB arrived whole%n", whole, LARGE_ANSWERS,
                smallest / 1e6, largest / 1e6);
        if (whole == LARGE_ANSWERS && (smallest > 1_500_000 || largest < 18_000_000)) {
            fail("long tts answers ranged " + smallest + " to " + largest + " bytes, not 1 to 20 MB");
        }
    }

    static long littleEndian(byte[] b, int at) {
        return (b[at] & 0xFFL) | (b[at + 1] & 0xFFL) << 8 | (b[at + 2] & 0xFFL) << 16 | (b[at + 3] & 0xFFL) << 24;
    }

    static Response oneResponse(Socket socket, byte[] request) throws IOException {
        socket.getOutputStream().write(request);
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return new Response(-1, head.toString(StandardCharsets.ISO_8859_1), new byte[0], false);
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int length = -1;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        if (length < 0) {
            return new Response(-1, text, new byte[0], false);
        }
        byte[] body = new byte[length];
        int got = 0;
        try {
            while (got < length) {
                int n = in.read(body, got, length - got);
                if (n < 0) {
                    break;
                }
                got += n;
            }
        } catch (SocketTimeoutException e) {
            // short: reported below
        }
        int status = Integer.parseInt(text.split(" ", 3)[1]);
        return new Response(status, text.split("\r\n")[0] + " length " + length, java.util.Arrays.copyOf(body, got), got == length);
    }

    static void finalJob() {
        byte[] request = bytes("POST /v1/capability/tts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 27\r\n\r\n{\"text\":\"still serving ok\"}");
        Result result = exchange(request, false);
        if (result.responses().size() != 1 || result.responses().getFirst().status() != 200 || !result.responses().getFirst().complete()) {
            fail("a normal tts job at the end: " + heads(result));
        } else {
            passed++;
        }
    }

    static void sampleRss(String when) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    rssMaxKb = Math.max(rssMaxKb, kb);
                    if (kb > rssBoundKb) {
                        fail("RSS " + kb / 1024 + " MB " + when + " is above the bound of " + rssBoundKb / 1024 + " MB");
                    }
                }
            }
        } catch (IOException e) {
            fail("the node process " + pid + " is gone " + when);
        }
    }

    // ---- small helpers -----------------------------------------------------------------------------

    static String pick(String... options) {
        return options[random.nextInt(options.length)];
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String preview(byte[] request) {
        String s = new String(request, 0, Math.min(120, request.length), StandardCharsets.ISO_8859_1);
        return "[" + s.replace("\r", "\\r").replace("\n", "\\n") + (request.length > 120 ? "...(" + request.length + " bytes)" : "") + "]";
    }

    static String heads(Result result) {
        StringBuilder s = new StringBuilder();
        for (Response r : result.responses()) {
            s.append(" | ").append(r.head().split("\r\n")[0]).append(" (").append(r.body().length).append(" bytes)");
        }
        return s.append(" closed=").append(result.closed()).toString();
    }

    /** Where a chunked body that starts at {@code from} ends (after its last chunk and trailer), or -1 if it does not yet. */
    static int chunkedEnd(byte[] bytes, int from) {
        int p = from;
        while (true) {
            int lineEnd = indexOf(bytes, bytes("\r\n"), p);
            if (lineEnd < 0) {
                return -1;
            }
            int size;
            try {
                size = Integer.parseInt(new String(bytes, p, lineEnd - p, StandardCharsets.ISO_8859_1).split(";")[0].strip(), 16);
            } catch (NumberFormatException e) {
                return -1;
            }
            if (size == 0) {
                int trailerEnd = indexOf(bytes, bytes("\r\n"), lineEnd + 2);
                return trailerEnd == lineEnd + 2 ? trailerEnd + 2 : (trailerEnd < 0 ? -1 : indexOf(bytes, bytes("\r\n\r\n"), lineEnd) + 4);
            }
            p = lineEnd + 2 + size + 2;
            if (p > bytes.length) {
                return -1;
            }
        }
    }

    static int indexOf(byte[] bytes, byte[] what, int from) {
        outer:
        for (int i = from; i <= bytes.length - what.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (bytes[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
