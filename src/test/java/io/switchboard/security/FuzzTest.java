package io.switchboard.security;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.api.ErrorCode;
import io.switchboard.live.LiveConnection;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;
import io.switchboard.support.WsClient;
import jakarta.inject.Inject;

/**
 * Property-style fuzzing with a seeded generator (the seed is printed, so a failure can be replayed): thousands
 * of random and malformed frames and REST bodies. Properties: no 5xx, no crash, the conversation's seqs stay
 * 1..n without gaps, and a WebSocket is either still usable or was closed with a documented code.
 */
@QuarkusTest
class FuzzTest {

    private static final Set<Integer> DOCUMENTED_CLOSE_CODES = Set.of(LiveConnection.POLICY_VIOLATION,
            LiveConnection.TOO_BIG, LiveConnection.SLOW_CONSUMER, LiveConnection.IDLE, LiveConnection.TOKEN_REVOKED,
            LiveConnection.TOO_MANY_CONNECTIONS);
    private static final Map<String, ErrorCode> CATALOGUE = Arrays.stream(ErrorCode.values())
            .collect(Collectors.toMap(ErrorCode::code, c -> c));
    private static final String[] TYPES = { "send", "resume", "subscribe", "unsubscribe", "ping", "typing", "", "SEND",
            "message", "ack", "hello", "\u0000", "💥" };
    private static final char LONE_SURROGATE = '\uE000';
    private static final String[] FIELDS = { "type", "ref", "conversationId", "after", "clientMsgId", "text", "extra" };

    @TestHTTPResource("/")
    URI base;

    @Inject
    DataSource dataSource;

    @Test
    void randomAndMalformedFramesAndBodiesNeverBreakTheServiceOrTheConversation() throws Exception {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("FuzzTest seed: " + seed + " (rerun with -Dfuzz.seed=" + seed + ")");
        Random random = new Random(seed);
        Chat chat = Chat.start(base);
        String agent = chat.api().agentToken();

        WsClient ws = WsClient.connect(base, "visitor", chat.visitorToken());
        int reconnects = 0;
        int errorFrames = 0;
        for (int i = 0; i < 3000; i++) {
            if (!ws.isOpen() || ws.closeCode() != null) {
                errorFrames += assertEndedAsDocumented(ws);
                ws = WsClient.connect(base, "visitor", chat.visitorToken());
                reconnects++;
            }
            ws.sendRaw(escapeSurrogates(randomFrame(random, chat.id())));
            if (i % 250 == 249) {
                String ref = "probe-" + i;
                WsClient probed = ws;
                probed.send(Json.object().put("type", "ping").put("ref", ref));
                await().atMost(Duration.ofSeconds(20)).until(() -> probed.closeCode() != null || probed.failure() != null
                        || probed.frames().stream().anyMatch(f -> ref.equals(f.path("ref").asText(null))));
            }
        }
        // The last connection answers a probe (so every frame sent on it was read) before it is judged.
        WsClient last = ws;
        last.send(Json.object().put("type", "ping").put("ref", "last"));
        await().atMost(Duration.ofSeconds(20)).until(() -> last.closeCode() != null || last.failure() != null
                || last.frames().stream().anyMatch(f -> "last".equals(f.path("ref").asText(null))));
        errorFrames += assertEndedAsDocumented(last);
        last.close();
        assertTrue(errorFrames > 0, "3000 random frames drew no error frame: the fuzzer did not reach the frame checks");

        String[] paths = { "/api/conversations/" + chat.id() + "/messages", "/api/visitors", "/api/agents/login",
                "/api/conversations/" + chat.id() + "/status", "/api/conversations", "/api/conversations/"
                        + chat.id() + "/assign" };
        for (int i = 0; i < 1200; i++) {
            String path = paths[random.nextInt(paths.length)];
            String token = random.nextBoolean() ? chat.visitorToken() : agent;
            HttpResponse<String> response = chat.api().request(random.nextInt(5) == 0 ? "PATCH" : "POST", path, token,
                    escapeSurrogates(randomBody(random, chat.id())));
            assertTrue(response.statusCode() < 500, "HTTP " + response.statusCode() + " for " + path + ": " + response.body());
            assertCatalogued(response);
        }
        for (int i = 0; i < 300; i++) {
            String query = randomQuery(random);
            HttpResponse<String> response = chat.api().get(chat.visitorToken(), "/api/conversations/" + chat.id() + "/messages?" + query);
            assertTrue(response.statusCode() < 500, "HTTP " + response.statusCode() + " for " + query);
            assertCatalogued(response);
        }

        try (Connection c = dataSource.getConnection();
                ResultSet r = c.createStatement().executeQuery("select count(*), coalesce(max(seq), 0), "
                        + "(select last_seq from conversation where id = " + chat.id() + ") "
                        + "from message where conversation_id = " + chat.id())) {
            r.next();
            assertEquals(r.getLong(1), r.getLong(2), "seq has a gap");
            assertEquals(r.getLong(2), r.getLong(3), "last_seq disagrees with the messages");
        }
        System.out.println("FuzzTest: 3000 frames (" + reconnects + " reconnects, " + errorFrames + " error frames), 1500 HTTP requests");
        try (WsClient check = WsClient.following(base, "visitor", chat.visitorToken(), chat.id(), 0)) {
            check.send(Json.object().put("type", "ping").put("ref", "final"));
            check.awaitFrame(f -> "final".equals(f.path("ref").asText(null)));
        }
    }

    /**
     * One fuzzed connection, judged whole: it is open, or it was closed by the server with a close frame whose
     * code is documented (a connection that dropped without one is a defect, not a policy); none of its frames
     * is an internal error, and every error frame carries a catalogued code. Returns its error frames.
     */
    private static int assertEndedAsDocumented(WsClient ws) {
        if (!ws.isOpen() || ws.closeCode() != null) {
            await().atMost(Duration.ofSeconds(10)).until(() -> ws.closeCode() != null || ws.failure() != null);
            Integer code = ws.closeCode();
            assertTrue(code != null, "the connection dropped without a close frame: " + ws.failure());
            assertTrue(DOCUMENTED_CLOSE_CODES.contains(code), "closed with undocumented code " + code);
        }
        int errors = 0;
        for (var frame : ws.frames()) {
            if ("error".equals(frame.path("type").asText())) {
                errors++;
                assertTrue(!frame.path("code").asText("").equals("internal_error"), "a frame caused an internal error: " + frame);
                assertTrue(CATALOGUE.containsKey(frame.path("code").asText()), "error frame with an uncatalogued code: " + frame);
            }
        }
        return errors;
    }

    /** An error answer has the error body, with a code from the catalogue sent with that code's status. */
    private static void assertCatalogued(HttpResponse<String> response) {
        if (response.statusCode() < 400) {
            return;
        }
        String code = Json.parse(response.body()).path("error").asText("");
        ErrorCode known = CATALOGUE.get(code);
        assertTrue(known != null, "HTTP " + response.statusCode() + " with an uncatalogued body: " + response.body());
        assertEquals(known.status(), response.statusCode(), code + " came with the wrong status");
    }

    private static String escapeSurrogates(String json) {
        return json.replace(String.valueOf(LONE_SURROGATE), "\\ud83d");
    }

    private static String randomFrame(Random random, long conversation) {
        switch (random.nextInt(6)) {
            case 0:
                return randomString(random, random.nextInt(200));
            case 1:
                return "{\"type\":\"send\",\"text\":" + randomString(random, 20) + "}";
            case 2: {
                ArrayNode array = Json.MAPPER.createArrayNode();
                array.add(random.nextLong()).add(randomString(random, 5));
                return array.toString();
            }
            default: {
                ObjectNode frame = Json.object();
                frame.put("type", TYPES[random.nextInt(TYPES.length)]);
                for (int f = 0; f < random.nextInt(FIELDS.length); f++) {
                    putRandom(random, frame, FIELDS[random.nextInt(FIELDS.length)], conversation);
                }
                return frame.toString();
            }
        }
    }

    private static String randomBody(Random random, long conversation) {
        if (random.nextInt(4) == 0) {
            return randomString(random, random.nextInt(300));
        }
        ObjectNode body = Json.object();
        for (String field : new String[] { "text", "clientMsgId", "status", "agentId", "name", "email", "username",
                "password" }) {
            if (random.nextBoolean()) {
                putRandom(random, body, field, conversation);
            }
        }
        return body.toString();
    }

    private static String randomQuery(Random random) {
        String[] keys = { "after", "before", "wait", "limit", "x" };
        String[] values = { "0", "-1", "1e3", "99999999999999999999", "abc", "", "1s", "0.5", "%00", "1,2",
                String.valueOf(random.nextInt(100)) };
        StringBuilder query = new StringBuilder();
        for (int i = 0; i < 1 + random.nextInt(3); i++) {
            query.append(i == 0 ? "" : "&").append(keys[random.nextInt(keys.length)]).append('=')
                    .append(values[random.nextInt(values.length)]);
        }
        // A long-poll here would only slow the fuzzer down.
        return query.toString().replace("wait=", "w=");
    }

    private static void putRandom(Random random, ObjectNode node, String field, long conversation) {
        switch (random.nextInt(9)) {
            case 0 -> node.put(field, random.nextLong());
            case 1 -> node.put(field, -random.nextInt(1000));
            case 2 -> node.put(field, conversation);
            case 3 -> node.put(field, random.nextDouble());
            case 4 -> node.putNull(field);
            case 5 -> node.put(field, random.nextBoolean());
            case 6 -> node.putObject(field).put("nested", randomString(random, 10));
            case 7 -> node.put(field, randomString(random, random.nextInt(5000)));
            default -> node.put(field, randomString(random, random.nextInt(40)));
        }
    }

    private static String randomString(Random random, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            int kind = random.nextInt(10);
            if (kind < 6) {
                s.append((char) (32 + random.nextInt(95)));
            } else if (kind < 8) {
                s.appendCodePoint(0x4e00 + random.nextInt(500));
            } else if (kind == 8) {
                s.append((char) random.nextInt(32));
            } else {
                s.append(LONE_SURROGATE); // becomes an escaped lone surrogate in the JSON text
            }
        }
        return s.toString();
    }
}
