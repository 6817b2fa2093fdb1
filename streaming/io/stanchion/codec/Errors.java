package io.stanchion.codec;

/** The error strings clients see, byte for byte those of the original server (including its typo "alreay"). */
public final class Errors {
    public static final String INVALID_SUBJECT = "stan: invalid subject";
    public static final String INVALID_START_POSITION = "stan: invalid start position";
    public static final String INVALID_SUBSCRIPTION = "stan: invalid subscription";
    public static final String CLIENT_ALREADY_REGISTERED = "stan: clientID already registered";
    public static final String CLIENT_ID_MISSING = "stan: clientID missing";
    public static final String INVALID_CLIENT_ID =
            "stan: invalid clientID: only alphanumeric and `-` or `_` characters allowed";
    public static final String INVALID_ACK_WAIT = "stan: invalid ack wait time, should be >= 1s";
    public static final String INVALID_MAX_IN_FLIGHT = "stan: invalid MaxInflight, should be >= 1";
    /** Stanchion's length limits (the original has none): worded as the original's other name errors. */
    public static final String CLIENT_ID_TOO_LONG =
            "stan: invalid clientID: longer than " + Names.MAX_CLIENT_ID_LENGTH + " characters";
    public static final String DURABLE_TOO_LONG =
            "stan: invalid durable name: longer than " + Names.MAX_DURABLE_LENGTH + " characters";
    public static final String QUEUE_TOO_LONG =
            "stan: invalid queue group name: longer than " + Names.MAX_QUEUE_LENGTH + " characters";
    public static final String INVALID_CONNECT = "stan: invalid connection request";
    public static final String INVALID_PUBLISH = "stan: invalid publish request";
    public static final String INVALID_SUB_REQUEST = "stan: invalid subscription request";
    public static final String INVALID_UNSUB_REQUEST = "stan: invalid unsubscribe request";
    public static final String INVALID_CLOSE_REQUEST = "stan: invalid close request";
    public static final String DUPLICATE_DURABLE = "stan: duplicate durable registration";
    public static final String DURABLE_QUEUE_COLON =
            "stan: durable name of a durable queue subscriber can't contain the character ':'";
    public static final String UNKNOWN_CLIENT = "stan: unknown clientID";
    public static final String UNKNOWN_CHANNEL = "stan: unknown channel";
    public static final String TOO_MANY_CHANNELS = "too many channels";
    public static final String TOO_MANY_SUBS = "too many subscriptions per channel";
    public static final String CLIENT_REPLACED = "client has been replaced or is no longer registered";

    private Errors() {
    }

    public static String caseClash(String requested, String existing) {
        return "rejecting channel \"" + requested + "\" because channel \"" + existing
                + "\" alreay exists (different cases not allowed)";
    }
}
