package dev.capfabric.plugin.ocr.config;

/** A provider setting that is present but cannot be used; the message names the key and the value. */
public final class InvalidConfigException extends RuntimeException {

    public InvalidConfigException(String message) {
        super(message);
    }
}
