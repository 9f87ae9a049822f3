package dev.capfabric.kernel.cli;

/** A subcommand could not do its work; the message says why, for people. Exit status 1. */
final class CliException extends RuntimeException {

    CliException(String message) {
        super(message, null, false, false);
    }
}
