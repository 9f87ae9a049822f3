package dev.capfabric.kernel;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * Tells systemd about the node's life for {@code Type=notify} units, through the {@code systemd-notify}
 * tool rather than a native library: the JDK has no datagram Unix sockets, and {@code sd_notify} is
 * a datagram to {@code $NOTIFY_SOCKET}. The message names this process as the main one
 * ({@code MAINPID}), so the unit needs {@code NotifyAccess=all} (the tool is a child of the node).
 *
 * <p>Does nothing when {@code NOTIFY_SOCKET} is unset (not started by systemd, or not as
 * {@code Type=notify}), and never fails the node: a notification that cannot be sent is logged.
 */
final class SystemdNotify {

    private static final System.Logger LOG = System.getLogger(SystemdNotify.class.getName());

    private final Optional<String> socket;
    private final String tool;

    SystemdNotify(Map<String, String> environment, String tool) {
        this.socket = Optional.ofNullable(environment.get("NOTIFY_SOCKET")).filter(s -> !s.isBlank());
        this.tool = requireNonNull(tool, "tool is null");
    }

    static SystemdNotify fromEnvironment(Map<String, String> environment) {
        return new SystemdNotify(environment, "systemd-notify");
    }

    /** {@code READY=1}: the node serves HTTP and has loaded its plugins. */
    boolean ready(String status) {
        return send(List.of("--ready", "--status=" + status));
    }

    /** {@code STOPPING=1}: the node is draining and will exit. */
    boolean stopping(String status) {
        return send(List.of("--status=" + status, "STOPPING=1"));
    }

    private boolean send(List<String> message) {
        if (socket.isEmpty()) {
            return false;
        }
        List<String> command = new ArrayList<>(List.of(tool, "--pid=" + ProcessHandle.current().pid()));
        command.addAll(message);
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().put("NOTIFY_SOCKET", socket.get());
            Process process = builder.start();
            process.getOutputStream().close();
            // the tool waits until systemd has read the message; systemd answers at once unless it is stuck
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                LOG.log(System.Logger.Level.WARNING, "systemd-notify " + message + " did not finish within 10 s");
                return false;
            }
            if (process.exitValue() != 0) {
                LOG.log(System.Logger.Level.WARNING, "systemd-notify " + message + " failed: "
                        + new String(process.getInputStream().readAllBytes()).strip());
                return false;
            }
            return true;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot run systemd-notify (" + e.getMessage() + "); systemd is not told " + message);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
