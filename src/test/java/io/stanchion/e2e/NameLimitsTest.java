package io.stanchion.e2e;

import io.stanchion.config.ServerConfig;
import io.stanchion.protocol.pb.ConnectRequest;
import io.stanchion.protocol.pb.ConnectResponse;
import io.stanchion.protocol.pb.PubAck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Length limits on client IDs (256), channel names (512), durable and queue group names (256): clear errors, and a
 * refused request changes nothing.
 */
class NameLimitsTest extends StanchionE2E {
    @TempDir
    Path dir;

    private int channels() throws Exception {
        return server.engine().call(v -> v.channelCount()).get(10, TimeUnit.SECONDS);
    }

    private int subscriptions() throws Exception {
        return server.engine().call(v -> v.subscriptionCount()).get(10, TimeUnit.SECONDS);
    }

    @Test
    void clientIdsUpTo256Characters() throws Exception {
        startServer();
        RawStan s = new RawStan(raw(), clusterId);
        String tooLong = "c".repeat(257);
        ConnectResponse r = s.connect(ConnectRequest.newBuilder().setClientID(tooLong)
                .setHeartbeatInbox(s.heartbeatInbox()).setProtocol(1).build());
        assertThat(r.getError()).isEqualTo("stan: invalid clientID: longer than 256 characters");
        assertThat(r.getPubPrefix()).isEmpty();
        assertThat(server.engine().call(v -> v.clientCount()).get(10, TimeUnit.SECONDS)).isZero();
        s.connect("c".repeat(256));
    }

    @Test
    void channelDurableAndQueueNames() throws Exception {
        startServer();
        RawStan s = new RawStan(raw(), clusterId);
        s.connect("me");
        String inbox = "_INBOX.d." + RawStan.nuid();
        String longChannel = "a." + "b".repeat(511);
        assertThat(longChannel).hasSize(513);

        PubAck refused = s.publish("me", longChannel, "x");
        assertThat(refused.getError()).isEqualTo("stan: invalid publish request");
        assertThat(s.subscribe(RawStan.subRequest("me", longChannel, inbox).build()).getError())
                .isEqualTo("stan: invalid subject");
        assertThat(s.subscribe(RawStan.subRequest("me", "ok", inbox).setDurableName("d".repeat(257)).build())
                .getError()).isEqualTo("stan: invalid durable name: longer than 256 characters");
        assertThat(s.subscribe(RawStan.subRequest("me", "ok", inbox).setQGroup("q".repeat(257)).build())
                .getError()).isEqualTo("stan: invalid queue group name: longer than 256 characters");
        assertThat(s.subscribe(RawStan.subRequest("me", "ok", inbox).setQGroup("q".repeat(257))
                .setDurableName("d").build()).getError())
                .isEqualTo("stan: invalid queue group name: longer than 256 characters");
        assertThat(channels()).as("nothing was created").isZero();
        assertThat(subscriptions()).isZero();

        String maxChannel = "a" + "b".repeat(511);
        assertThat(s.publish("me", maxChannel, "x").getError()).isEmpty();
        s.subscribeOk(RawStan.subRequest("me", maxChannel, inbox).setDurableName("d".repeat(256)).build());
        s.subscribeOk(RawStan.subRequest("me", maxChannel, inbox + ".q").setQGroup("q".repeat(256))
                .setDurableName("d".repeat(256)).build());
        assertThat(channels()).isEqualTo(1);
        assertThat(subscriptions()).isEqualTo(2);
    }

    @Test
    void aChannelNameTooLongForTheFileStoreIsAnErrorNotSilence() throws Exception {
        startServer(b -> b.storeType(ServerConfig.StoreType.FILE).dir(dir));
        RawStan s = new RawStan(raw(), clusterId);
        s.connect("me");
        String name = "x".repeat(300);
        PubAck r = s.publish("me", name, "x");
        assertThat(r.getError()).startsWith("channel name too long");
        assertThat(s.subscribe(RawStan.subRequest("me", name, "_INBOX.d." + RawStan.nuid()).build()).getError())
                .startsWith("channel name too long");
        assertThat(channels()).isZero();
        assertThat(s.publish("me", "x".repeat(200), "x").getError()).isEmpty();
    }
}
