package io.stanchion.store;

/** A registered client as persisted: what a restarted server needs to recognise it (heartbeats, PINGs, publishes). */
public record ClientRecord(String id, String heartbeatInbox, byte[] connId, int protocol, int pingInterval,
                           int pingMaxOut) {
}
