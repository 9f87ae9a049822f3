package dev.capfabric.kernel.cli;

/** The command line was wrong; the message says how. Exit status 2. */
final class UsageException extends RuntimeException {

    UsageException(String message) {
        super(message);
    }
}
