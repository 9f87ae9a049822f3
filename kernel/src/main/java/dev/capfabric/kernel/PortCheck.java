package dev.capfabric.kernel;

import dev.capfabric.kernel.config.InvalidSettingsException;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Checks before start-up that the HTTP port can be listened on, so that a port in use stops the node
 * with one line (exit status 2) instead of a node that runs and serves nothing.
 */
final class PortCheck {

    private PortCheck() {
    }

    /** @throws InvalidSettingsException when {@code host:port} cannot be bound now */
    static void requireFree(String host, int port) {
        if (port == 0) {
            return; // any free port: nothing to check
        }
        try (ServerSocket socket = new ServerSocket()) {
            // as the server binds it: SO_REUSEADDR lets a restart reuse a port left in TIME_WAIT, while a
            // listener still there is found on Linux all the same
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, port));
        } catch (BindException e) {
            throw new InvalidSettingsException(inUse(host, port, e.getMessage()));
        } catch (IOException e) {
            throw new InvalidSettingsException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    static String inUse(String host, int port, String cause) {
        return "cannot listen on " + host + ":" + port + " (" + cause + "): is another node or program using the port? "
                + "Stop it or choose another with CAPFABRIC_PORT";
    }
}
