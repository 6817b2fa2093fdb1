package io.stanchion.ft;

import java.nio.charset.StandardCharsets;

/**
 * The heartbeat an FT group's active server publishes on {@code _STAN.ft.<cluster id>.<group>} about once a second:
 * its server ID and when it became active (ms since the epoch). The text form is Stanchion's own
 * ({@code STANFT/1 <server id> <activation ms>}), not the original's protobuf CtrlMsg, so Stanchion and Go servers
 * cannot share a group.
 */
record FtHeartbeat(String serverId, long activationMillis) {
    private static final String PREFIX = "STANFT/1 ";

    byte[] encode() {
        return (PREFIX + serverId + " " + activationMillis).getBytes(StandardCharsets.UTF_8);
    }

    /** The heartbeat in {@code data}, or {@code null} when it is not one. */
    static FtHeartbeat decode(byte[] data) {
        String s = new String(data, StandardCharsets.UTF_8);
        if (!s.startsWith(PREFIX)) {
            return null;
        }
        String[] parts = s.substring(PREFIX.length()).split(" ");
        if (parts.length != 2 || parts[0].isEmpty()) {
            return null;
        }
        try {
            return new FtHeartbeat(parts[0], Long.parseLong(parts[1]));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The FT subject of a group. */
    static String subject(String clusterId, String group) {
        return "_STAN.ft." + clusterId + "." + group;
    }

    /**
     * What an active server does on another active's heartbeat: the one that became active later must go. True
     * when {@code this} (ours) must stop; ties broken by server ID so that exactly one of the two stops.
     */
    boolean yieldsTo(FtHeartbeat other) {
        if (other.activationMillis != activationMillis) {
            return other.activationMillis < activationMillis;
        }
        return other.serverId.compareTo(serverId) < 0;
    }
}
