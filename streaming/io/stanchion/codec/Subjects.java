package io.stanchion.codec;

/** The NATS subjects a server with a given cluster ID serves, exactly as the original names them. */
public record Subjects(String discover, String pings, String publishPrefix, String subscribe, String unsubscribe,
                      String subClose, String close, String ackPrefix) {

    /** Subjects for cluster {@code clusterId}; {@code ackToken} makes this server's ack inboxes unique. */
    public static Subjects forCluster(String clusterId, String ackToken) {
        return forCluster("_STAN.discover", clusterId, ackToken);
    }

    /** As {@link #forCluster(String, String)} with a configured discover prefix. */
    public static Subjects forCluster(String discoverPrefix, String clusterId, String ackToken) {
        String discover = discoverPrefix + "." + clusterId;
        return new Subjects(discover, discover + ".pings", "_STAN.pub." + clusterId, "_STAN.sub." + clusterId,
                "_STAN.unsub." + clusterId, "_STAN.subclose." + clusterId, "_STAN.close." + clusterId,
                "_INBOX." + ackToken + ".");
    }

    /** The wildcard the server subscribes to for every publish. */
    public String publishWildcard() {
        return publishPrefix + ".>";
    }

    /** The wildcard covering every ack inbox this server hands out. */
    public String ackWildcard() {
        return ackPrefix + ">";
    }
}
