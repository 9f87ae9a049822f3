package dev.capfabric.kernel.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code capfabric nats-config}: what it writes, and how it refuses bad command lines (the fabric test runs what it writes). */
class NatsConfigCommandTest {

    @TempDir
    Path dir;

    @Test
    void writesOneIdentityPerNodeReadableByItsOwnerOnly() throws Exception {
        CliRun run = CliRun.of("nats-config", "--nodes", "gpu-1,cpu_2", "--port", "4333", "--out", dir.toString(), "--hosts", "nats.lan");
        assertEquals(0, run.status(), run.err());
        String conf = Files.readString(dir.resolve("nats-server.conf"));
        assertTrue(conf.contains("listen: \"0.0.0.0:4333\""), conf);
        assertFalse(conf.contains("tls {"), conf);
        assertTrue(conf.contains("\"capfabric.node.gpu-1.>\""), conf);
        assertTrue(conf.contains("\"_INBOX.cpu_2.>\""), conf);
        assertTrue(conf.contains("allow_responses: true"), conf);
        assertEquals(3, conf.split("nkey: \"U").length - 1, "an operator and two nodes");
        for (String file : List.of("nodes/gpu-1.creds", "nodes/cpu_2.creds", "operator.creds", "nodes/gpu-1.env", "nats-server.conf")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(file))), file);
        }
        String seed = Files.readString(dir.resolve("nodes/gpu-1.creds"));
        assertTrue(seed.contains("-----BEGIN USER NKEY SEED-----\nSU"), seed);
        assertNotEquals(seed, Files.readString(dir.resolve("nodes/cpu_2.creds")));
        String env = Files.readString(dir.resolve("nodes/gpu-1.env"));
        assertTrue(env.contains("CAPFABRIC_NATS_URL=nats://nats.lan:4333\n"), env);
        assertTrue(env.contains("CAPFABRIC_NATS_CREDENTIALS=" + dir.toAbsolutePath().resolve("nodes/gpu-1.creds")), env);
        assertTrue(run.out().contains("nats-server -c "), run.out());
        // JetStream on, for the payloads bucket; no admin identity unless asked for
        assertTrue(conf.contains("jetstream {\n  store_dir: \"" + dir.toAbsolutePath().resolve("jetstream") + "\"\n}"), conf);
        assertTrue(conf.contains("\"$JS.API.STREAM.CREATE.OBJ_capfabric-payloads\""), conf);
        assertTrue(conf.contains("\"$O.capfabric-payloads.>\""), conf);
        assertFalse(conf.contains("$JS.API.STREAM.DELETE"), conf);
        assertTrue(conf.contains("\"$JS.API.STREAM.CREATE.CAPFABRIC_JOBS\"") && conf.contains("\"capfabric.jobs.run.>\"")
                && conf.contains("\"$KV.capfabric-jobs.>\"") && conf.contains("\"$O.capfabric-job-data.>\""), conf);
        assertTrue(conf.contains("\"capfabric.node.*.cancel.gpu-1\""), conf);
        assertFalse(conf.contains("\"capfabric.node.*.cancel\""), conf);
        assertFalse(Files.exists(dir.resolve("nodes/gpu-1.admin.creds")));
        assertFalse(env.contains("ADMIN"), env);
    }

    @Test
    void adminNodesGetASecondIdentityForTheAdminVerbs() throws Exception {
        CliRun run = CliRun.of("nats-config", "--nodes", "gpu-1,cpu_2", "--port", "4333", "--out", dir.toString(),
                "--admin-nodes", "cpu_2", "--payloads-bucket", "big");
        assertEquals(0, run.status(), run.err());
        String conf = Files.readString(dir.resolve("nats-server.conf"));
        assertEquals(4, conf.split("nkey: \"U").length - 1, "an operator, two nodes and one admin identity");
        assertTrue(conf.contains("subscribe: { allow: [\"_INBOX_ADMIN.cpu_2.>\"] }"), conf);
        assertTrue(conf.contains("\"$O.big.>\""), conf);
        assertFalse(conf.contains("capfabric-payloads"), conf);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("nodes/cpu_2.admin.creds"))));
        assertTrue(Files.readString(dir.resolve("nodes/cpu_2.env"))
                .contains("CAPFABRIC_NATS_ADMIN__CREDENTIALS=" + dir.toAbsolutePath().resolve("nodes/cpu_2.admin.creds") + "\n"));
        assertFalse(Files.readString(dir.resolve("nodes/gpu-1.env")).contains("ADMIN"));
        assertFalse(Files.exists(dir.resolve("nodes/gpu-1.admin.creds")));
    }

    @Test
    void badCommandLinesExitTwoAndWriteNothing() throws Exception {
        for (List<String> args : List.of(
                List.of("--port", "4222", "--out", "x"),
                List.of("--nodes", "a", "--out", "x"),
                List.of("--nodes", "a", "--port", "4222"),
                List.of("--nodes", "a", "--port", "http", "--out", "x"),
                List.of("--nodes", "a", "--port", "70000", "--out", "x"),
                List.of("--nodes", "A.b", "--port", "4222", "--out", "x"),
                List.of("--nodes", "a,*", "--port", "4222", "--out", "x"),
                List.of("--nodes", "a,>", "--port", "4222", "--out", "x"),
                List.of("--nodes", "operator", "--port", "4222", "--out", "x"),
                List.of("--nodes", ",", "--port", "4222", "--out", "x"),
                List.of("--nodes", "a", "--port", "4222", "--out", "x", "--observers", "a"),
                List.of("--nodes", "a", "--port", "4222", "--out", "x", "--admin-nodes", "b"),
                List.of("--nodes", "a", "--port", "4222", "--out", "x", "--payloads-bucket", "a.b"),
                List.of("--nodes", "a", "--port", "4222", "--out", "x", "--tls=yes"),
                List.of("--nodes", "a", "--port", "4222", "--out", "x", "--what"))) {
            List<String> full = new java.util.ArrayList<>(List.of("nats-config"));
            full.addAll(args.stream().map(a -> a.equals("x") ? dir.resolve("out").toString() : a).toList());
            CliRun run = CliRun.of(full.toArray(String[]::new));
            assertEquals(2, run.status(), args + ": " + run.out());
            assertTrue(run.err().startsWith("capfabric nats-config: "), args + ": " + run.err());
            assertFalse(Files.exists(dir.resolve("out")), args + " wrote files");
        }
    }
}
