package io.stanchion.engine;

import io.stanchion.codec.Errors;
import io.stanchion.codec.Names;

import io.stanchion.codec.Replies;

import com.google.protobuf.ByteString;
import io.stanchion.config.ServerConfig;
import io.stanchion.protocol.pb.CloseRequest;
import io.stanchion.protocol.pb.ConnectRequest;
import io.stanchion.protocol.pb.Ping;
import io.stanchion.store.ClientRecord;
import io.stanchion.store.StateStore;
import io.stanchion.store.StoreFullException;
import io.stanchion.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Registered clients: connect (with the duplicate-ID probe), close, client PINGs and server→client heartbeats.
 * Threading: engine thread only; transport callbacks come back through {@code engineThread}.
 */
final class Clients {
    private static final Logger LOG = LoggerFactory.getLogger(Clients.class);
    private static final Duration DUPLICATE_PROBE_TIMEOUT = Duration.ofMillis(500);

    private final Map<String, Client> byId = new HashMap<>();
    private final Map<ByteString, Client> byConnId = new HashMap<>();
    /** The client of the last lookup by connID (engine thread): publishes come in runs from one client. */
    private Client lastLookedUp;
    /** Client IDs whose duplicate probe is in flight: further connects with that ID are refused at once. */
    private final Set<String> probing = new HashSet<>();

    private final ServerConfig config;
    private final Transport transport;
    private final Replies replies;
    private final Scheduler scheduler;
    private final Executor engineThread;
    /** Closes a client's subscriptions; runs before the client is unregistered. */
    private final Consumer<Client> onClose;
    private final StateStore state;
    private final EngineMetrics metrics;

    Clients(ServerConfig config, Transport transport, Replies replies, Scheduler scheduler, Executor engineThread,
            Consumer<Client> onClose, StateStore state, EngineMetrics metrics) {
        this.state = state;
        this.metrics = metrics;
        this.config = config;
        this.transport = transport;
        this.replies = replies;
        this.scheduler = scheduler;
        this.engineThread = engineThread;
        this.onClose = onClose;
    }

    Client get(String id) {
        return byId.get(id);
    }

    /** The client a publish or ping names: by connID when given, else by client ID. */
    Client lookup(ByteString connId, String clientId) {
        if (connId != null && !connId.isEmpty()) {
            Client last = lastLookedUp;
            if (last != null && !last.closed && connId.equals(last.connId)) {
                return last; // publishes come in runs from one client: skips hashing a new ByteString each time
            }
            Client c = byConnId.get(connId);
            if (c != null) {
                lastLookedUp = c;
            }
            return c;
        }
        return clientId == null ? null : byId.get(clientId);
    }

    Collection<Client> all() {
        return Collections.unmodifiableCollection(byId.values());
    }

    void connect(ConnectRequest r, String reply) {
        if (!Names.isPublishableSubject(r.getHeartbeatInbox())) {
            replies.connectError(reply, Errors.INVALID_CONNECT);
            return;
        }
        String id = r.getClientID();
        if (!Names.isValidClientId(id)) {
            replies.connectError(reply, Errors.INVALID_CLIENT_ID);
            return;
        }
        if (id.length() > Names.MAX_CLIENT_ID_LENGTH) {
            replies.connectError(reply, Errors.CLIENT_ID_TOO_LONG);
            return;
        }
        if (probing.contains(id)) {
            replies.connectError(reply, Errors.CLIENT_ALREADY_REGISTERED);
            return;
        }
        Client existing = byId.get(id);
        if (existing == null) {
            register(r, reply);
            return;
        }
        probing.add(id);
        transport.probe(existing.heartbeatInbox, Replies.EMPTY, DUPLICATE_PROBE_TIMEOUT,
                alive -> engineThread.execute(() -> {
                    probing.remove(id);
                    if (alive && !existing.closed) {
                        replies.connectError(reply, Errors.CLIENT_ALREADY_REGISTERED);
                        return;
                    }
                    if (!existing.closed) {
                        LOG.info("Replacing client {}: its previous connection does not answer", id);
                        close(existing);
                    }
                    if (byId.containsKey(id)) {
                        replies.connectError(reply, Errors.CLIENT_ALREADY_REGISTERED);
                    } else {
                        register(r, reply);
                    }
                }));
    }

    private void register(ConnectRequest r, String reply) {
        Client c = new Client(r.getClientID(), r.getHeartbeatInbox(), r.getConnID(), r.getProtocol(),
                r.getPingInterval(), r.getPingMaxOut());
        try {
            state.addClient(new ClientRecord(c.id, c.heartbeatInbox, c.connId.toByteArray(), c.protocol,
                    c.pingInterval, c.pingMaxOut));
        } catch (StoreFullException e) {
            replies.connectError(reply, e.getMessage()); // journal first: nothing registered
            return;
        }
        add(c);
        LOG.debug("Client {} connected (protocol {})", c.id, c.protocol);
        replies.connectOk(reply, r);
    }

    /** Re-registers a client recovered from the store; its heartbeats start again. */
    Client recover(ClientRecord r) {
        Client c = new Client(r.id(), r.heartbeatInbox(), ByteString.copyFrom(r.connId()), r.protocol(),
                r.pingInterval(), r.pingMaxOut());
        add(c);
        return c;
    }

    private void add(Client c) {
        byId.put(c.id, c);
        if (!c.connId.isEmpty()) {
            byConnId.put(c.connId, c);
        }
        scheduleHeartbeat(c, config.hbInterval.toNanos());
    }

    void closeRequest(CloseRequest r, String reply) {
        Client c = byId.get(r.getClientID());
        if (c == null) {
            replies.closeResponse(reply, Errors.UNKNOWN_CLIENT);
            return;
        }
        close(c);
        replies.closeResponse(reply, null);
    }

    /** Closes a client as the original does on a CloseRequest or a heartbeat death. */
    void close(Client c) {
        if (c.closed) {
            return;
        }
        state.deleteClient(c.id); // journaled before the in-memory changes (recovery drops a gone client's subs)
        onClose.accept(c);
        c.closed = true;
        if (c.heartbeatTimer != null) {
            c.heartbeatTimer.cancel();
        }
        byId.remove(c.id, c);
        if (!c.connId.isEmpty()) {
            byConnId.remove(c.connId, c);
        }
        LOG.debug("Client {} closed", c.id);
    }

    void ping(Ping p, String reply) {
        Client c = byConnId.get(p.getConnID());
        if (c == null) {
            replies.pingResponse(reply, Errors.CLIENT_REPLACED);
            return;
        }
        replies.pingResponse(reply, null);
        if (c.failedHeartbeats > 0) {
            scheduleHeartbeat(c, 1_000_000L); // clear the failure state promptly
        }
    }

    private void scheduleHeartbeat(Client c, long delayNanos) {
        if (c.heartbeatTimer != null) {
            c.heartbeatTimer.cancel();
        }
        c.heartbeatTimer = scheduler.after(delayNanos, () -> sendHeartbeat(c));
    }

    private void sendHeartbeat(Client c) {
        c.heartbeatTimer = null;
        if (c.closed) {
            return;
        }
        transport.probe(c.heartbeatInbox, Replies.EMPTY, config.hbTimeout,
                ok -> engineThread.execute(() -> heartbeatResult(c, ok)));
    }

    private void heartbeatResult(Client c, boolean ok) {
        if (c.closed) {
            return;
        }
        if (ok) {
            c.failedHeartbeats = 0;
        } else {
            metrics.heartbeatFailed();
            if (++c.failedHeartbeats > config.hbFailCount) {
                LOG.info("Client {} closed: {} heartbeats failed", c.id, c.failedHeartbeats);
                close(c);
                return;
            }
        }
        if (c.heartbeatTimer == null) {
            scheduleHeartbeat(c, config.hbInterval.toNanos());
        }
    }
}
