package dev.capfabric.kernel.config;

/** The node's configuration cannot be used; start-up stops with this message. */
public class InvalidSettingsException extends RuntimeException {

    public InvalidSettingsException(String message) {
        super(message);
    }

    public InvalidSettingsException(String message, Throwable cause) {
        super(message, cause);
    }
}
