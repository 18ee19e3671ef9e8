package io.switchboard.security;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.switchboard.api.RateLimitedException;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.live.LiveConnection;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.FromAddress;
import io.switchboard.support.Json;
import io.switchboard.support.RawWebSocket;
import io.switchboard.support.WsClient;
import jakarta.inject.Inject;

@QuarkusTest
@TestProfile(AbuseLimitsProfile.class)
class AbuseLimitsTest {

    @TestHTTPResource("/")
    URI base;


    @Inject
    RateLimiter limiter;

    @Inject
    SwitchboardConfig config;

    @Inject
    DataSource dataSource;

    /**
     * Another replica's limiter shares nothing with this one but PostgreSQL: visitor creations and login
     * attempts from one address are counted once across both (per instance, each allowed a full burst).
     */
    @Test
    void visitorCreationAndLoginLimitsHoldAcrossReplicas() {
        RateLimiter otherReplica = new RateLimiter(config, dataSource, 1000);
        for (RateLimiter.Action action : List.of(RateLimiter.Action.visitor_creation, RateLimiter.Action.login)) {
            String address = "198.51.100." + System.nanoTime() % 250;
            int allowed = 0;
            long start = System.nanoTime();
            for (int i = 0; i < 80; i++) {
                try {
                    (i % 2 == 0 ? limiter : otherReplica).acquire(action, address);
                    allowed++;
                } catch (RateLimitedException e) {
                    assertTrue(e.retryAfterSeconds() >= 1);
                }
            }
            SwitchboardConfig.Limits.Rate rate = action == RateLimiter.Action.login ? config.limits().logins()
                    : config.limits().visitorCreation();
            double refilled = (System.nanoTime() - start) / 1e9 * rate.perSecond();
            assertTrue(allowed <= rate.burst() + Math.ceil(refilled), action + ": " + allowed + " allowed on two replicas; "
                    + "the limit is " + rate.burst() + " plus " + refilled + " refilled");
            assertTrue(allowed >= rate.burst(), action + ": only " + allowed + " allowed");
        }
    }

    /** Per-instance buckets (sends, typing, control) are a bounded cache: 10,000 identities leave at most 100. */
    @Test
    void perInstanceBucketsAreBounded() {
        RateLimiter small = new RateLimiter(config, dataSource, 100);
        for (int i = 0; i < 10_000; i++) {
            small.acquire(RateLimiter.Action.send, "visitor:" + i);
        }
        assertTrue(small.localBucketCount() <= 100, small.localBucketCount() + " buckets kept");
    }

    @Test
    void aBurstOverTheSendLimitIsRateLimitedWithRetryAfter() {
        Chat chat = Chat.start(base);
        assertBurstLimited(40, i -> chat.api().send(chat.visitorToken(), chat.id(), "burst-" + i, "burst " + i));
    }

    /** Uploads have their own rate (20 at once, then one every 2 s), refused before any byte is stored. */
    @Test
    void aBurstOfUploadsIsRateLimitedWithRetryAfter() {
        Chat chat = Chat.start(base);
        // different bytes each time: the same ones again would be answered with the first upload
        assertBurstLimited(30, i -> chat.api().upload(chat.visitorToken(), chat.id(), "note-" + i + ".txt",
                ("a note to upload\n" + i).getBytes(StandardCharsets.UTF_8)));
    }

    /** {@code count} requests at once: the first 20 (the burst) pass with 201, a later one is 429 with Retry-After. */
    private static void assertBurstLimited(int count, java.util.function.IntFunction<HttpResponse<String>> request) {
        List<Integer> statuses = new ArrayList<>();
        HttpResponse<String> limited = null;
        for (int i = 0; i < count; i++) {
            HttpResponse<String> r = request.apply(i);
            statuses.add(r.statusCode());
            if (r.statusCode() == 429 && limited == null) {
                limited = r;
            }
        }
        assertTrue(statuses.subList(0, 20).stream().allMatch(s -> s == 201), statuses.toString());
        assertTrue(limited != null, "never limited: " + statuses);
        assertEquals("rate_limited", Json.parse(limited.body()).get("error").asText());
        assertTrue(limited.headers().firstValue("Retry-After").isPresent());
    }

    @Test
    void normalChatPaceIsNeverLimited() throws Exception {
        Chat chat = Chat.start(base);
        try (WsClient ws = WsClient.connect(base, "visitor", chat.visitorToken())) {
            for (int i = 0; i < 30; i++) {
                // A fast typist: one message every 250 ms, for longer than the burst lasts.
                assertEquals("ack", ws.sendMessage(chat.id(), "pace-" + i, "message " + i).get("type").asText());
                java.util.concurrent.locks.LockSupport.parkNanos(250_000_000L);
            }
        }
    }

    @Test
    void aWebSocketOverTheLimitGetsRateLimitedFramesThenIsClosedAsAbusive() {
        Chat chat = Chat.start(base);
        try (WsClient ws = WsClient.connect(base, "visitor", chat.visitorToken())) {
            for (int i = 0; i < 60; i++) {
                ws.send(Json.object().put("type", "send").put("ref", "f" + i).put("conversationId", chat.id())
                        .put("clientMsgId", "flood-" + i).put("text", "flood"));
            }
            ws.awaitFrame(f -> f.get("type").asText().equals("error") && f.get("code").asText().equals("rate_limited"));
            ws.awaitClosed(LiveConnection.POLICY_VIOLATION);
        }
    }

    @Test
    void resumeFramesAreRateLimitedLikeTyping() {
        Chat chat = Chat.start(base);
        try (WsClient ws = WsClient.connect(base, "visitor", chat.visitorToken())) {
            // Each resume reads the store three times: a client cannot make the server do that in a loop.
            for (int i = 0; i < 40; i++) {
                ws.send(Json.object().put("type", "resume").put("ref", "r" + i).put("conversationId", chat.id()).put("after", 0));
            }
            ws.awaitFrame(f -> f.get("type").asText().equals("error") && f.get("code").asText().equals("rate_limited"));
            assertTrue(ws.frames().stream().filter(f -> f.get("type").asText().equals("subscribed")).count() >= 20,
                    "the burst (20) is served");
        }
    }

    @Test
    void readFramesShareTheControlRate() {
        Chat chat = Chat.start(base);
        try (WsClient ws = WsClient.connect(base, "visitor", chat.visitorToken())) {
            // Each read writes a cursor: a client repeating one (which moves nothing) still costs the store.
            for (int i = 0; i < 40; i++) {
                ws.send(Json.object().put("type", "read").put("ref", "r" + i).put("conversationId", chat.id()).put("seq", 0));
            }
            JsonNode refused = ws.awaitFrame(f -> f.get("type").asText().equals("error"));
            assertEquals("rate_limited", refused.get("code").asText(), refused.toString());
            assertTrue(Integer.parseInt(refused.get("ref").asText().substring(1)) >= 20, "the burst (20) is served: " + refused);
        }
    }

    /**
     * #27: every frame costs, whatever it carries — protocol pings, pongs, empty continuation frames that never
     * complete a message, app-level pings. A client sending them past 30 a second (burst 120) is closed with 1008
     * (one Close, TCP closed at once); an app-level ping also costs the identity's control rate.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "ping", "pong", "empty continuation" })
    void framesThatCarryNoMessageStillCostAndAFloodOfThemIsClosed(String kind) throws Exception {
        Chat chat = Chat.start(base);
        try (Socket raw = new Socket(base.getHost(), base.getPort())) {
            raw.setSoTimeout(10_000);
            RawWebSocket.handshake(raw, chat.visitorToken());
            if (kind.equals("empty continuation")) {
                RawWebSocket.rawFrame(raw, 0x01, "{\"type\":".getBytes(StandardCharsets.UTF_8)); // a message begun
            }
            try {
                for (int i = 0; i < 400; i++) {
                    switch (kind) {
                        case "ping" -> RawWebSocket.ping(raw);
                        case "pong" -> RawWebSocket.frame(raw, 0xA, new byte[0]);
                        default -> RawWebSocket.rawFrame(raw, 0x00, new byte[0]); // continuation, not final
                    }
                }
            } catch (IOException closedAlready) {
                // the server closed the connection while the flood was still being written
            }
            RawWebSocket.Ending ending = RawWebSocket.closeHandshake(raw);
            assertEquals(List.of(1008), ending.closeCodes(), kind);
            assertTrue(ending.eofAfterMillis() >= 0 && ending.eofAfterMillis() < 1_000, kind + ": TCP ended after " + ending.eofAfterMillis() + " ms");
        }
    }

    @Test
    void appLevelPingsCostTheControlRate() {
        Chat chat = Chat.start(base);
        try (WsClient ws = WsClient.connect(base, "visitor", chat.visitorToken())) {
            for (int i = 0; i < 40; i++) {
                ws.send(Json.object().put("type", "ping").put("ref", "p" + i));
            }
            JsonNode refused = ws.awaitFrame(f -> f.get("type").asText().equals("error"));
            assertEquals("rate_limited", refused.get("code").asText(), refused.toString());
            assertTrue(Integer.parseInt(refused.get("ref").asText().substring(1)) >= 20, "the burst (20) is served: " + refused);
        }
    }

    /**
     * #27, High 2 in small: a frame begun and not finished within the partial-frame timeout (2 s here) closes its
     * sender (1008); and once the unfinished frames on the instance hold their budget (256 KiB here), the next one
     * closes its sender at once (1013), while whole frames on other connections go on.
     */
    @Test
    void halfSentFramesAreBoundedInTimeAndInBytes() throws Exception {
        Chat chat = Chat.start(base);
        List<Socket> sockets = new java.util.ArrayList<>();
        try (WsClient ordinary = WsClient.connect(base, "visitor", chat.visitorToken())) {
            for (int i = 0; i < 5; i++) {
                Socket raw = new Socket(base.getHost(), base.getPort());
                sockets.add(raw);
                raw.setSoTimeout(10_000);
                RawWebSocket.handshake(raw, new Api(base).newVisitor().token());
                RawWebSocket.partialFrame(raw, 64 * 1024, 63 * 1024);
            }
            // 4 × 63 KiB fit in 256 KiB; the fifth does not.
            RawWebSocket.Ending fifth = RawWebSocket.closeHandshake(sockets.get(4));
            assertEquals(List.of(1013), fifth.closeCodes(), "past the instance's budget for unfinished frames");
            ordinary.send(Json.object().put("type", "ping").put("ref", "whole"));
            ordinary.awaitFrame(f -> "whole".equals(f.path("ref").asText(null)));
            for (Socket raw : sockets.subList(0, 4)) {
                RawWebSocket.Ending ending = RawWebSocket.closeHandshake(raw);
                assertEquals(List.of(1008), ending.closeCodes(), "not finished within the partial-frame timeout");
            }
        } finally {
            for (Socket raw : sockets) {
                raw.close();
            }
        }
    }

    /** Pongs, answering the server's pings, keep a connection alive like any other frame (RFC 6455 §5.5.3). */
    @Test
    void pongsCountAsActivityForTheIdleCloseToo() throws Exception {
        Chat chat = Chat.start(base);
        try (Socket raw = new Socket(base.getHost(), base.getPort())) {
            raw.setSoTimeout(10_000);
            RawWebSocket.handshake(raw, chat.visitorToken());
            long quietUntil = System.nanoTime() + Duration.ofSeconds(6).toNanos(); // the idle timeout is 3 s here
            while (System.nanoTime() < quietUntil) {
                RawWebSocket.frame(raw, 0xA, new byte[0]);
                long next = System.nanoTime() + Duration.ofSeconds(1).toNanos();
                await().atMost(Duration.ofSeconds(2)).until(() -> System.nanoTime() >= next);
            }
            RawWebSocket.text(raw, "{\"type\":\"ping\",\"ref\":\"still-here\"}");
            String answer;
            do {
                answer = RawWebSocket.readText(raw);
            } while (answer != null && !answer.contains("still-here"));
            assertTrue(answer != null, "closed as idle although the client sent a pong every second");
        }
    }

    /**
     * #27: uploads that trickle cannot hold the instance's places. One address, with as many visitors as it
     * likes, gets at most 8 places at once (the 9th is 429, another address is still served); and an upload that
     * sends less than 1 KiB/s over 10 s while the service waits is cut (408 upload_too_slow) and its place freed.
     * (33 uploads of a byte every 10 s from one address held all 32 places for minutes.)
     */
    @Test
    void tricklingUploadsCannotHoldTheInstancesPlaces() throws Exception {
        List<Chat> chats = new ArrayList<>();
        for (int i = 0; i < 10; i++) { // first, so that the trickles start together
            chats.add(Chat.start(base));
        }
        List<Socket> trickles = new ArrayList<>();
        try {
            for (Chat chat : chats.subList(0, 8)) {
                trickles.add(trickle("127.0.0.21", chat));
            }
            // Once the eight hold their places (each upload takes one when its headers are read), a ninth from the
            // same address is refused at once, although it sends its whole body.
            Chat ninth = chats.get(8);
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                try (Socket attempt = trickle("127.0.0.21", ninth)) {
                    attempt.getOutputStream().write(new byte[99_999]);
                    attempt.getOutputStream().flush();
                    String answer = new String(attempt.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertTrue(answer.startsWith("HTTP/1.1 429") || answer.startsWith("HTTP/1.1 20"), answer);
                    return answer.startsWith("HTTP/1.1 429");
                }
            });
            Chat elsewhere = chats.get(9);
            Api.expect(201, elsewhere.api().upload(elsewhere.visitorToken(), elsewhere.id(), "note.txt",
                    "from another address".getBytes(StandardCharsets.UTF_8)));
            // The trickles are cut within a window or two, each with its answer, and their places come back.
            List<String> answers = new ArrayList<>();
            for (Socket trickle : trickles) {
                trickle.setSoTimeout(40_000);
                answers.add(new String(trickle.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            for (String answer : answers) {
                assertTrue(answer.startsWith("HTTP/1.1 408"), "every trickle is cut with its answer: " + answers);
                assertEquals("upload_too_slow", Json.parse(answer.substring(answer.indexOf("\r\n\r\n") + 4)).get("error").asText(), answer);
            }
            // Their places are free again: the same address uploads.
            FromAddress.Answer back = FromAddress.request(base, "127.0.0.21", "POST", "/api/conversations/" + ninth.id()
                    + "/attachments?name=back.txt", Map.of("Authorization", "Bearer " + ninth.visitorToken()), "back again");
            assertEquals(201, back.status(), back.body());
        } finally {
            for (Socket trickle : trickles) {
                trickle.close();
            }
        }
    }

    /** An upload from {@code source} that announces 100 KB and sends one byte. */
    private Socket trickle(String source, Chat chat) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
        socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5000);
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(("POST /api/conversations/" + chat.id() + "/attachments?name=slow.txt HTTP/1.1\r\n"
                + "Host: localhost\r\nConnection: close\r\nAuthorization: Bearer " + chat.visitorToken()
                + "\r\nContent-Length: 100000\r\n\r\nx")
                .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }

    @Test
    void protocolLevelPingsCountAsActivityForTheIdleClose() throws Exception {
        Chat chat = Chat.start(base);
        try (Socket raw = new Socket(base.getHost(), base.getPort())) {
            raw.setSoTimeout(10_000);
            RawWebSocket.handshake(raw, chat.visitorToken());
            // Idle timeout is 3 s here: 6 s of nothing but protocol pings, as OkHttp's pingInterval sends them.
            long quietUntil = System.nanoTime() + Duration.ofSeconds(6).toNanos();
            while (System.nanoTime() < quietUntil) {
                RawWebSocket.ping(raw);
                long next = System.nanoTime() + Duration.ofSeconds(1).toNanos();
                await().atMost(Duration.ofSeconds(2)).until(() -> System.nanoTime() >= next);
            }
            RawWebSocket.text(raw, "{\"type\":\"ping\",\"ref\":\"still-here\"}");
            String answer;
            do {
                answer = RawWebSocket.readText(raw);
            } while (answer != null && !answer.contains("still-here"));
            assertTrue(answer != null, "closed as idle although the client pinged every second");
        }
    }

    @Test
    void passwordGuessingLocksTheGuessingAddressOutOfThatAccount() {
        String username = "guessed" + System.nanoTime();
        new Api(base).newAgent(new Api(base).agentToken(), username, "Guessed", "the-right-password");
        // One account, however the guesser spells it.
        String[] spellings = { username, username.toUpperCase(Locale.ROOT), " " + username, username + " ", username };
        for (int i = 0; i < 5; i++) {
            given().contentType(ContentType.JSON)
                    .body(Json.object().put("username", spellings[i]).put("password", "guess-" + i).toString())
                    .post("/api/agents/login").then().statusCode(401);
        }
        given().contentType(ContentType.JSON).body(Json.object().put("username", username).put("password", "guess-99").toString())
                .post("/api/agents/login")
                .then().statusCode(429).body("error", equalTo("login_locked")).header("Retry-After", notNullValue());
        // From the guessing address even the right password waits out the lock.
        given().contentType(ContentType.JSON)
                .body(Json.object().put("username", username).put("password", "the-right-password").toString())
                .post("/api/agents/login").then().statusCode(429);
    }

    @Test
    void anonymousVisitorCreationIsLimitedPerAddress() {
        int created = 0;
        int limited = 0;
        for (int i = 0; i < 45; i++) {
            // from an address of this test's own: the class's other tests create their visitors from 127.0.0.1
            int status = FromAddress.request(base, "127.0.0.12", "POST", "/api/visitors", Map.of(), null).status();
            if (status == 201) {
                created++;
            } else if (status == 429) {
                limited++;
            }
        }
        assertTrue(created >= 20 && limited > 0, "created " + created + ", limited " + limited);
    }

    @Test
    void connectionsPerIdentityAreCapped() {
        Api.Visitor visitor = new Api(base).newVisitor();
        List<WsClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                open.add(WsClient.connect(base, "visitor", visitor.token()));
            }
            WsClient sixth = WsClient.open(base, "visitor", visitor.token());
            open.add(sixth);
            sixth.awaitClosed(LiveConnection.TOO_MANY_CONNECTIONS);
            assertEquals("too_many_connections", sixth.awaitFrame(f -> f.get("type").asText().equals("error"))
                    .get("code").asText());
            // A short poll is a request, not a connection: it is answered even now.
            long conversation = new Api(base).conversation(visitor.token());
            assertEquals(200, new Api(base).get(visitor.token(), "/api/conversations/" + conversation + "/messages?after=0")
                    .statusCode());
        } finally {
            open.forEach(WsClient::close);
        }
    }

    @Test
    void anIdleWebSocketIsClosedWith4001ButPingsKeepItOpen() {
        Api.Visitor visitor = new Api(base).newVisitor();
        try (WsClient idle = WsClient.connect(base, "visitor", visitor.token());
                WsClient pinging = WsClient.connect(base, "visitor", visitor.token())) {
            long deadline = System.nanoTime() + 6_000_000_000L;
            while (System.nanoTime() < deadline && idle.closeCode() == null) {
                pinging.send(Json.object().put("type", "ping"));
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000_000L);
            }
            idle.awaitClosed(LiveConnection.IDLE);
            assertTrue(pinging.isOpen());
        }
    }
}
