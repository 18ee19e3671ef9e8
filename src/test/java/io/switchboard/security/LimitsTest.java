package io.switchboard.security;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.live.ConnectionRegistry;
import io.switchboard.live.LiveConnection;
import io.switchboard.live.Transport;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;
import io.switchboard.support.Receiver;
import io.switchboard.support.SseClient;
import io.switchboard.support.WsClient;
import jakarta.inject.Inject;

/** Size limits and slow consumers (suite limits: 256 KiB queued per WebSocket, 200 events per stream). */
@QuarkusTest
class LimitsTest {

    @TestHTTPResource("/")
    URI base;

    @Inject
    ConnectionRegistry registry;

    @Test
    void anOversizeFrameClosesOnlyThatConnectionWith1009() {
        Chat chat = Chat.start(base);
        try (WsClient bystander = WsClient.following(base, "visitor", chat.visitorToken(), chat.id(), 0);
                WsClient attacker = WsClient.connect(base, "visitor", chat.visitorToken())) {
            attacker.sendRaw("{\"type\":\"send\",\"text\":\"" + "x".repeat(100_000) + "\"}");
            attacker.awaitClosed(LiveConnection.TOO_BIG);
            chat.send(chat.visitorToken(), "after-big", "others are unaffected");
            bystander.awaitFrame(f -> f.get("type").asText().equals("message"));
            assertEquals(1, bystander.received().size());
        }
    }

    @Test
    void anOversizeHttpBodyIsRefusedWith413() {
        Chat chat = Chat.start(base);
        given().auth().oauth2(chat.visitorToken()).contentType(ContentType.JSON)
                .body("{\"text\":\"" + "y".repeat(200_000) + "\"}")
                .post("/api/conversations/{id}/messages", chat.id()).then().statusCode(413);
        given().auth().oauth2(chat.visitorToken()).get("/api/conversations/{id}/messages", chat.id()).then()
                .statusCode(200).body("size()", equalTo(0));
    }

    @Test
    void aWebSocketClientThatStopsReadingIsDroppedWith4000AndResumesWithoutLoss() throws Exception {
        Chat chat = Chat.start(base);
        String agent = chat.api().agentToken();
        int before = registry.count(Transport.websocket);
        try (Socket raw = new Socket()) {
            raw.setReceiveBufferSize(2048);
            raw.connect(new java.net.InetSocketAddress(base.getHost(), base.getPort()));
            handshakeAndResume(raw, chat.visitorToken(), chat.id());
            await().atMost(Duration.ofSeconds(10)).until(() -> registry.count(Transport.websocket) == before + 1);
            // It never reads again. Keep sending until the server gives up on it.
            String text = "z".repeat(3900);
            int sent = 0;
            while (registry.count(Transport.websocket) > before && sent < 5000) {
                chat.send(agent, "flood-" + chat.id() + "-" + sent, text);
                sent++;
            }
            assertEquals(before, registry.count(Transport.websocket), "the slow consumer was never dropped");
            // Reading again, it finds what was queued for it and then the close frame: 4000, slow consumer.
            raw.setSoTimeout(30_000);
            assertEquals(LiveConnection.SLOW_CONSUMER, io.switchboard.support.RawWebSocket.readToClose(raw).code(),
                    "dropped with the slow-consumer close code");
            int total = sent + 1; // and "… joined the conversation" before the agent's first reply
            // It comes back and resumes from the start (it saw nothing it could acknowledge): nothing is lost.
            try (Receiver again = WsClient.following(base, "visitor", chat.visitorToken(), chat.id(), 0)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> again.received().size() >= total);
                assertEquals(LongStream.rangeClosed(1, total).boxed().toList(), again.seqs());
            }
        }
    }

    @Test
    void anSseClientThatStopsReadingIsDroppedAndResumesWithoutLoss() throws Exception {
        Chat chat = Chat.start(base);
        String agent = chat.api().agentToken();
        int before = registry.count(Transport.sse);
        try (Socket raw = new Socket()) {
            raw.setReceiveBufferSize(2048);
            raw.connect(new java.net.InetSocketAddress(base.getHost(), base.getPort()));
            raw.getOutputStream().write(("GET /api/conversations/" + chat.id() + "/events?after=0 HTTP/1.1\r\nHost: "
                    + base.getHost() + "\r\nAuthorization: Bearer " + chat.visitorToken() + "\r\nAccept: text/event-stream\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            await().atMost(Duration.ofSeconds(10)).until(() -> registry.count(Transport.sse) == before + 1);
            String text = "s".repeat(3900);
            int sent = 0;
            while (registry.count(Transport.sse) > before && sent < 5000) {
                chat.send(agent, "sflood-" + chat.id() + "-" + sent, text);
                sent++;
            }
            assertEquals(before, registry.count(Transport.sse), "the slow SSE consumer was never dropped");
            int total = sent + 1; // and "… joined the conversation" before the agent's first reply
            try (SseClient again = SseClient.resuming(base, chat.visitorToken(), chat.id(), 0)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> again.received().size() >= total);
                assertEquals(LongStream.rangeClosed(1, total).boxed().toList(), again.seqs());
            }
        }
    }

    private static void handshakeAndResume(Socket raw, String token, long conversation) throws Exception {
        io.switchboard.support.RawWebSocket.handshakeAndResume(raw, token, conversation);
    }
}
