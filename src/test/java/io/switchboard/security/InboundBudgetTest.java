package io.switchboard.security;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.switchboard.live.LiveConnection;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.RawWebSocket;
import io.switchboard.support.WsClient;

/**
 * The inbound budget: a client that sends frames faster than they are handled is closed with 1008 once its
 * own budget, or the instance's total, is spent, instead of making the server queue for it; everyone else
 * is unaffected.
 */
@QuarkusTest
@TestProfile(InboundBudgetTest.SmallInboundBudget.class)
class InboundBudgetTest {

    public static class SmallInboundBudget implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("switchboard.limits.inbound-frames", "32", "switchboard.limits.inbound-bytes-total", "65536");
        }
    }

    @TestHTTPResource("/")
    URI base;

    @TestHTTPResource(value = "/", management = true)
    URI management;

    @Test
    void aClientFloodingSmallFramesIsClosedWith1008() throws Exception {
        Chat chat = Chat.start(base);
        assertEquals(LiveConnection.POLICY_VIOLATION, flood(chat.visitorToken(), "{\"type\":\"ping\"}"));
        stillServes(chat);
    }

    @Test
    void floodsOfBigFramesAreBoundedByTheInstancesTotal() throws Exception {
        Chat chat = Chat.start(base);
        // 3 frames of 30,000 characters are under this client's 32 frames but over the instance's 64 KiB.
        String big = "{\"type\":\"ping\",\"ref\":\"" + "x".repeat(30_000) + "\"}";
        assertEquals(LiveConnection.POLICY_VIOLATION, flood(chat.visitorToken(), big));
        stillServes(chat);
    }

    /** Sends {@code frame} as fast as the socket takes it while reading every answer; the close code. */
    private int flood(String token, String frame) throws Exception {
        try (Socket raw = new Socket()) {
            raw.connect(new InetSocketAddress(base.getHost(), base.getPort()));
            RawWebSocket.handshake(raw, token);
            raw.setSoTimeout(60_000);
            CompletableFuture<Integer> closed = CompletableFuture.supplyAsync(() -> {
                try {
                    return RawWebSocket.readUntilClose(raw);
                } catch (IOException e) {
                    return -1;
                }
            });
            try {
                for (int i = 0; i < 100_000 && !closed.isDone(); i++) {
                    RawWebSocket.text(raw, frame);
                }
            } catch (IOException closedByTheServer) {
                // expected once the close frame is out
            }
            return closed.get(60, TimeUnit.SECONDS);
        }
    }

    private void stillServes(Chat chat) {
        assertEquals(200, new Api(management).get(null, "/q/health/ready").statusCode());
        try (WsClient ws = WsClient.following(base, "visitor", chat.visitorToken(), chat.id(), 0)) {
            ws.sendMessage(chat.id(), "after-" + chat.id(), "still served");
            await().atMost(Duration.ofSeconds(10)).until(() -> ws.received().size() == 1);
        }
    }
}
