package dev.capfabric.plugin.ocr.visionllm;

/** A backend answered 2xx with a body that lacks what its API documents. */
final class UnexpectedAnswerException extends Exception {

    UnexpectedAnswerException(String message) {
        super(message);
    }
}
