package io.stanchion.engine;

import com.google.protobuf.ByteString;

import java.util.ArrayList;
import java.util.List;

/** A registered STAN client. Threading: engine thread only. */
final class Client {
    final String id;
    final String heartbeatInbox;
    final ByteString connId;
    final int protocol;
    final int pingInterval;
    final int pingMaxOut;
    /** Its active subscriptions (offline durables are not listed here). */
    final List<Subscription> subscriptions = new ArrayList<>();
    /** Consecutive heartbeats that got no reply. */
    int failedHeartbeats;
    Scheduler.Timer heartbeatTimer;
    boolean closed;

    Client(String id, String heartbeatInbox, ByteString connId, int protocol, int pingInterval, int pingMaxOut) {
        this.id = id;
        this.heartbeatInbox = heartbeatInbox;
        this.connId = connId;
        this.protocol = protocol;
        this.pingInterval = pingInterval;
        this.pingMaxOut = pingMaxOut;
    }
}
