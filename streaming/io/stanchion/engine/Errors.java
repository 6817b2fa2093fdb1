package io.stanchion.engine;

/** The error strings clients see, byte for byte those of the original server (including its typo "alreay"). */
final class Errors {
    static final String INVALID_SUBJECT = "stan: invalid subject";
    static final String INVALID_START_POSITION = "stan: invalid start position";
    static final String INVALID_SUBSCRIPTION = "stan: invalid subscription";
    static final String CLIENT_ALREADY_REGISTERED = "stan: clientID already registered";
    static final String CLIENT_ID_MISSING = "stan: clientID missing";
    static final String INVALID_CLIENT_ID =
            "stan: invalid clientID: only alphanumeric and `-` or `_` characters allowed";
    static final String INVALID_ACK_WAIT = "stan: invalid ack wait time, should be >= 1s";
    static final String INVALID_MAX_IN_FLIGHT = "stan: invalid MaxInflight, should be >= 1";
    /** Stanchion's length limits (the original has none): worded as the original's other name errors. */
    static final String CLIENT_ID_TOO_LONG =
            "stan: invalid clientID: longer than " + Names.MAX_CLIENT_ID_LENGTH + " characters";
    static final String DURABLE_TOO_LONG =
            "stan: invalid durable name: longer than " + Names.MAX_DURABLE_LENGTH + " characters";
    static final String QUEUE_TOO_LONG =
            "stan: invalid queue group name: longer than " + Names.MAX_QUEUE_LENGTH + " characters";
    static final String INVALID_CONNECT = "stan: invalid connection request";
    static final String INVALID_PUBLISH = "stan: invalid publish request";
    static final String INVALID_SUB_REQUEST = "stan: invalid subscription request";
    static final String INVALID_UNSUB_REQUEST = "stan: invalid unsubscribe request";
    static final String INVALID_CLOSE_REQUEST = "stan: invalid close request";
    static final String DUPLICATE_DURABLE = "stan: duplicate durable registration";
    static final String DURABLE_QUEUE_COLON =
            "stan: durable name of a durable queue subscriber can't contain the character ':'";
    static final String UNKNOWN_CLIENT = "stan: unknown clientID";
    static final String UNKNOWN_CHANNEL = "stan: unknown channel";
    static final String TOO_MANY_CHANNELS = "too many channels";
    static final String TOO_MANY_SUBS = "too many subscriptions per channel";
    static final String CLIENT_REPLACED = "client has been replaced or is no longer registered";

    private Errors() {
    }

    static String caseClash(String requested, String existing) {
        return "rejecting channel \"" + requested + "\" because channel \"" + existing
                + "\" alreay exists (different cases not allowed)";
    }
}
