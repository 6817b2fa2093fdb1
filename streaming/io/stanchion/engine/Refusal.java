package io.stanchion.engine;

/** A request refused with one of the client-visible error strings; cheap (no stack trace). */
final class Refusal extends Exception {
    Refusal(String clientError) {
        super(clientError, null, false, false);
    }
}
