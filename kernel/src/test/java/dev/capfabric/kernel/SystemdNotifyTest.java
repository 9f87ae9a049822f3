package dev.capfabric.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The readiness signal a {@code Type=notify} unit waits for, received on a real notify socket. */
class SystemdNotifyTest {

    @TempDir
    Path dir;

    @Test
    void readyAndStoppingReachTheNotifySocketNamingThisProcess() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-notify")) && Files.isExecutable(Path.of("/usr/bin/python3")),
                "systemd-notify and python3 are needed");
        Path socket = dir.resolve("notify.sock");
        Path received = dir.resolve("received");
        // a datagram socket, as systemd's: the JDK cannot open one, python3 can
        Process listener = new ProcessBuilder("python3", "-c", """
                import socket, sys
                s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                s.bind(sys.argv[1])
                s.settimeout(20)
                with open(sys.argv[2], 'ab') as out:
                    print('listening', flush=True)
                    while True:
                        out.write(s.recv(4096) + b'\\n---\\n'); out.flush()
                """, socket.toString(), received.toString()).start();
        try {
            listener.getInputStream().read(new byte[10]); // "listening"
            SystemdNotify systemd = new SystemdNotify(Map.of("NOTIFY_SOCKET", socket.toString()), "systemd-notify");
            assertTrue(systemd.ready("serving on port 8080"));
            assertTrue(systemd.stopping("letting running jobs finish"));
            String messages = Files.readString(received, StandardCharsets.UTF_8);
            assertTrue(messages.contains("READY=1"), messages);
            assertTrue(messages.contains("STATUS=serving on port 8080"), messages);
            assertTrue(messages.contains("MAINPID=" + ProcessHandle.current().pid()), messages);
            assertTrue(messages.contains("STOPPING=1"), messages);
        } finally {
            listener.destroy();
            listener.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void withoutANotifySocketOrTheToolNothingIsSentAndNothingFails() {
        assertFalse(new SystemdNotify(Map.of(), "systemd-notify").ready("x"));
        assertFalse(new SystemdNotify(Map.of("NOTIFY_SOCKET", dir.resolve("nobody").toString()), "systemd-notify").ready("x"));
        assertFalse(new SystemdNotify(Map.of("NOTIFY_SOCKET", "/run/x"), dir.resolve("no-such-tool").toString()).ready("x"));
    }
}
