package io.stanchion.codec;


import io.stanchion.engine.Command;
import io.stanchion.engine.Engine;

import com.google.protobuf.InvalidProtocolBufferException;
import io.stanchion.protocol.pb.CloseRequest;
import io.stanchion.protocol.pb.ConnectRequest;
import io.stanchion.protocol.pb.Ping;
import io.stanchion.protocol.pb.SubscriptionRequest;
import io.stanchion.protocol.pb.UnsubscribeRequest;
import io.stanchion.transport.MessageHandler;
import io.stanchion.transport.RawMessageHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport-side handlers: decode a request and hand it to the engine. Undecodable input is answered with the
 * original's error (or dropped where the original drops it) right here and never reaches the engine. So is a
 * request naming one of the server's own subjects ({@link OwnSubjects}) for it to publish to: a heartbeat or
 * delivery inbox is refused with the original's invalid-request error; a request whose reply subject is one is
 * dropped (logged at debug), as answering it would make the server answer itself.
 * Threading: called on the transport's dispatch thread.
 */
public final class Inbound {
    private static final Logger LOG = LoggerFactory.getLogger(Inbound.class);

    private final Engine engine;
    private final Replies replies;
    private final OwnSubjects own;
    /** The channels served when partitioning; null: every channel. */
    private final io.stanchion.partition.Partition partition;

    public Inbound(Engine engine, io.stanchion.transport.Transport transport, Subjects subjects) {
        this(engine, transport, subjects, null);
    }

    /**
     * With {@code partition} (null: not partitioned), publishes are received only on the partition's subjects, and
     * subscription and unsubscribe requests for other channels are ignored (no reply, as the original: another
     * partition answers them, or the client times out).
     */
    public Inbound(Engine engine, io.stanchion.transport.Transport transport, Subjects subjects,
                   io.stanchion.partition.Partition partition) {
        this.partition = partition;
        this.engine = engine;
        this.replies = new Replies(transport, subjects);
        this.own = OwnSubjects.of(subjects, transport.requestInboxPrefix());
    }

    /** True (and logged) when {@code reply} is a subject the server must not answer on. */
    private boolean ownReply(String subject, String reply) {
        if (reply == null || !own.refused(reply)) {
            return false;
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("request on {} dropped: its reply subject {} is one of the server's own", subject, reply);
        }
        return true;
    }

    /** Whether this server serves {@code channel} (always, unless partitioned). */
    private boolean owned(String channel) {
        return partition == null || partition.owns(channel);
    }

    /**
     * The server's subscriptions: each STAN subject of {@code subjects} with its handler; when partitioned, one
     * publish subject per configured channel (one handler for them all) instead of the publish wildcard.
     */
    public java.util.List<io.stanchion.transport.Route> routes(Subjects subjects) {
        java.util.List<io.stanchion.transport.Route> routes = new java.util.ArrayList<>();
        routes.add(new io.stanchion.transport.Route(subjects.discover(), connect()));
        routes.add(new io.stanchion.transport.Route(subjects.pings(), ping()));
        if (partition == null) {
            routes.add(new io.stanchion.transport.Route(subjects.publishWildcard(), publish(), rawPublish()));
        } else {
            MessageHandler pub = publish();
            RawMessageHandler rawPub = rawPublish();
            for (String s : partition.publishSubjects(subjects.publishPrefix())) {
                routes.add(new io.stanchion.transport.Route(s, partition.queue(), pub, rawPub));
            }
        }
        routes.add(new io.stanchion.transport.Route(subjects.subscribe(), subscribe()));
        routes.add(new io.stanchion.transport.Route(subjects.unsubscribe(), unsubscribe(false)));
        routes.add(new io.stanchion.transport.Route(subjects.subClose(), unsubscribe(true)));
        routes.add(new io.stanchion.transport.Route(subjects.close(), close()));
        routes.add(new io.stanchion.transport.Route(subjects.ackWildcard(), ack(), rawAck()));
        return routes;
    }

    public MessageHandler connect() {
        return (subject, reply, data) -> {
            if (ownReply(subject, reply)) {
                return;
            }
            ConnectRequest r;
            try {
                r = ConnectRequest.parseFrom(data);
            } catch (InvalidProtocolBufferException e) {
                replies.connectError(reply, Errors.INVALID_CONNECT);
                return;
            }
            if (own.refused(r.getHeartbeatInbox())) {
                replies.connectError(reply, Errors.INVALID_CONNECT);
                return;
            }
            engine.submit(new Command.Connect(r, reply));
        };
    }

    /** Publishes through jnats (bytes handed over as an array). */
    public MessageHandler publish() {
        PublishHandler h = new PublishHandler();
        return (subject, reply, data) -> h.handle(subject, reply, data, 0, data.length);
    }

    /**
     * Publishes read in place from the direct connection's buffer (only the payload is copied). The subject is
     * decoded only for a log line.
     */
    public RawMessageHandler rawPublish() {
        PublishHandler h = new PublishHandler();
        return (buf, subjectAt, subjectLen, replyAt, replyLen, dataAt, dataLen) -> h.handle(
                null, replyLen == 0 ? null : h.decoder.subject(buf, replyAt, replyLen), buf, dataAt, dataLen);
    }

    /**
     * One transport thread's publish handling: its own decoder (with its caches) and the outcome of the last own-
     * subject check (a publisher sends every PubMsg with the same reply subject: checked once per new one).
     */
    private final class PublishHandler {
        final PubMsgDecoder decoder = new PubMsgDecoder();
        private String checkedReply;
        private boolean checkedRefused;

        void handle(String subject, String reply, byte[] buf, int at, int len) {
            if (reply != null) { // before anything else: this runs for every message
                if (reply != checkedReply) {
                    checkedRefused = own.refused(reply);
                    checkedReply = reply;
                }
                if (checkedRefused) {
                    ownReply(subject == null ? "a publish subject" : subject, reply);
                    return;
                }
            }
            Command.Publish p;
            try {
                p = decoder.decode(buf, at, len, reply, engine.clock().nanos());
            } catch (InvalidProtocolBufferException e) {
                replies.pubAck(reply, "", Errors.INVALID_PUBLISH);
                return;
            }
            if (!engine.submit(p)) {
                replies.pubAck(reply, p.guid(), Engine.failureText(engine.failStop()));
            }
        }
    }

    public MessageHandler subscribe() {
        return (subject, reply, data) -> {
            if (ownReply(subject, reply)) {
                return;
            }
            SubscriptionRequest r;
            try {
                r = SubscriptionRequest.parseFrom(data);
            } catch (InvalidProtocolBufferException e) {
                replies.subscriptionResponse(reply, null, Errors.INVALID_SUB_REQUEST);
                return;
            }
            if (!owned(r.getSubject())) {
                return; // another partition's channel
            }
            if (own.refused(r.getInbox())) {
                replies.subscriptionResponse(reply, null, Errors.INVALID_SUB_REQUEST);
                return;
            }
            engine.submit(new Command.Subscribe(r, reply));
        };
    }

    public MessageHandler unsubscribe(boolean close) {
        return (subject, reply, data) -> {
            if (ownReply(subject, reply)) {
                return;
            }
            UnsubscribeRequest r;
            try {
                r = UnsubscribeRequest.parseFrom(data);
            } catch (InvalidProtocolBufferException e) {
                replies.subscriptionResponse(reply, null, Errors.INVALID_UNSUB_REQUEST);
                return;
            }
            if (owned(r.getSubject())) { // else another partition's channel
                engine.submit(new Command.Unsubscribe(r, reply, close));
            }
        };
    }

    public MessageHandler close() {
        return (subject, reply, data) -> {
            if (ownReply(subject, reply)) {
                return;
            }
            try {
                engine.submit(new Command.Close(CloseRequest.parseFrom(data), reply));
            } catch (InvalidProtocolBufferException e) {
                replies.closeResponse(reply, Errors.INVALID_CLOSE_REQUEST);
            }
        };
    }

    /** Client PINGs; an empty or undecodable one is dropped, as the original does. */
    public MessageHandler ping() {
        return (subject, reply, data) -> {
            if (data == null || data.length == 0 || ownReply(subject, reply)) {
                return;
            }
            try {
                engine.submit(new Command.PingMsg(Ping.parseFrom(data), reply));
            } catch (InvalidProtocolBufferException e) {
                LOG.debug("undecodable ping dropped");
            }
        };
    }

    /** Acks from the direct connection: the ack inbox from a cache (one per subscription), the ack copied. */
    public RawMessageHandler rawAck() {
        PubMsgDecoder names = new PubMsgDecoder();
        MessageHandler acks = ack();
        return (buf, subjectAt, subjectLen, replyAt, replyLen, dataAt, dataLen) -> acks.onMessage(
                names.subject(buf, subjectAt, subjectLen), null,
                java.util.Arrays.copyOfRange(buf, dataAt, dataAt + dataLen));
    }

    /** Acks on any of this server's ack inboxes; undecodable ones are dropped. */
    public MessageHandler ack() {
        return (subject, reply, data) -> {
            try {
                subject.hashCode(); // cached in the String: the engine's lookup by ack inbox does not hash it again
                engine.submit(AckDecoder.decode(subject, data));
            } catch (InvalidProtocolBufferException e) {
                LOG.debug("undecodable ack on {} dropped", subject);
            }
        };
    }
}
