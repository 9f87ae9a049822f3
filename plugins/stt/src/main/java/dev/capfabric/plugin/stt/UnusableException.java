package dev.capfabric.plugin.stt;

/**
 * Why an engine cannot run on this node: its library, model or configuration is missing or wrong.
 * Factories turn it into {@code Creation.unusable(reason)}.
 */
public final class UnusableException extends Exception {

    public UnusableException(String reason) {
        super(reason);
    }

    public UnusableException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
