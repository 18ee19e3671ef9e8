package io.switchboard.webhook;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;
import io.switchboard.support.SiteIdentity;
import io.switchboard.support.TestLogs;
import io.switchboard.support.WebhookReceiver;
import io.switchboard.support.WebhookReceiver.Delivery;

/**
 * Webhooks (#16) against a real HTTP receiver in the test JVM: Standard Webhooks signatures checked by an
 * independent implementation, order per conversation, retries with the same id, replay by cursor and by
 * time, disabling with a reason, secret rotation, and the SSRF guard.
 */
@QuarkusTest
class WebhooksTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TestHTTPResource("/")
    URI base;

    private final List<WebhookReceiver> receivers = new ArrayList<>();
    private final List<Long> endpoints = new ArrayList<>();

    @AfterEach
    void removeEndpoints() {
        Api api = new Api(base);
        String admin = api.agentToken();
        endpoints.forEach(id -> api.request("DELETE", "/api/webhooks/" + id, admin, null));
        receivers.forEach(WebhookReceiver::close);
    }

    @Test
    void eventsArriveSignedAndInTheOrderTheyHappened() throws Exception {
        WebhookReceiver receiver = receiver();
        Api api = new Api(base);
        String admin = api.agentToken();
        JsonNode endpoint = register(api, admin, receiver, "conversation.created", "message.created",
                "conversation.assigned", "conversation.resolved", "visitor.identified");
        String secret = endpoint.get("secret").asText();
        assertTrue(secret.startsWith("whsec_"), secret);

        Chat chat = Chat.start(base);
        chat.send(chat.visitorToken(), "w-1", "My lamp flickers");
        chat.send(chat.visitorToken(), "w-2", "Since Tuesday");
        chat.send(admin, "w-a-" + chat.id(), "Let me look into it <script>x</script>");
        Api.expect(200, api.request("POST", "/api/conversations/" + chat.id() + "/status", admin, "{\"status\":\"resolved\"}"));
        String user = "hook-user-" + System.nanoTime();
        Api.expect(200, api.request("PUT", "/api/visitors/me/identity", chat.visitorToken(),
                Json.object().put("identity", SiteIdentity.sign(user, null, null)).toString()));

        List<Delivery> mine = await().atMost(WAIT).until(() -> about(receiver.accepted(), chat.id(), user), d -> d.size() >= 7);
        assertEquals(List.of("conversation.created", "message.created", "message.created", "conversation.assigned",
                "message.created", "conversation.resolved", "visitor.identified"), mine.stream().map(Delivery::type).toList());
        assertEquals(List.of("My lamp flickers", "Since Tuesday", "Let me look into it <script>x</script>"), mine.stream()
                .filter(d -> d.type().equals("message.created")).map(d -> d.json().get("data").get("message").get("text").asText()).toList());
        for (Delivery d : mine) {
            assertTrue(WebhookReceiver.verifies(secret, d), "signature of " + d.id());
            assertFalse(WebhookReceiver.verifies("whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]), d));
            assertTrue(Math.abs(Instant.now().getEpochSecond() - d.timestamp()) < 300);
            assertTrue(d.id().matches("evt_[0-9]+"), d.id());
        }
        assertEquals(mine.size(), new LinkedHashSet<>(mine.stream().map(Delivery::id).toList()).size(), "one id per event");
        assertEquals(mine.stream().map(Delivery::eventId).sorted().toList(), mine.stream().map(Delivery::eventId).toList());
        JsonNode assigned = mine.get(3).json().get("data");
        assertEquals(chat.id(), assigned.get("conversationId").asLong());
        assertEquals(Json.parse(api.get(admin, "/api/agents/me").body()).get("id").asLong(), assigned.get("agent").get("id").asLong());
        JsonNode identified = mine.get(6).json().get("data");
        assertEquals(user, identified.get("userId").asText());

        // Marked delivered once the answer is in: the endpoint's status catches up a moment after the receiver.
        JsonNode status = await().atMost(WAIT).until(() -> Json.parse(Api.expect(200, api.get(admin, "/api/webhooks/"
                + endpoint.get("id").asLong())).body()), s -> s.get("delivery").get("deliveredThrough").asLong() >= mine.get(6).eventId());
        assertTrue(status.get("secret").isNull(), "a plain read does not show the secret");
        assertEquals(200, status.get("delivery").get("lastStatus").asInt());
        // Neither the secret nor a signature made with it is ever logged (the access log, the deliverer's lines).
        List<String> secrets = new java.util.ArrayList<>(List.of(secret, secret.substring("whsec_".length())));
        mine.forEach(d -> secrets.add(d.signature().substring(d.signature().indexOf(',') + 1)));
        TestLogs.assertContainsNone("a webhook secret or signature", secrets.toArray(String[]::new));
    }

    @Test
    void aReceiverThatFailsThreeTimesGetsEveryEventInOrderEachAttemptWithTheSameId() throws Exception {
        WebhookReceiver receiver = receiver();
        receiver.answers(n -> n <= 3 ? 500 : 200);
        Api api = new Api(base);
        String admin = api.agentToken();
        JsonNode endpoint = register(api, admin, receiver, "message.created");
        Chat chat = Chat.start(base);
        for (int i = 1; i <= 5; i++) {
            chat.send(chat.visitorToken(), "r-" + i, "retry " + i);
        }
        List<Delivery> accepted = await().atMost(WAIT).until(() -> about(receiver.accepted(), chat.id(), null), d -> d.size() >= 5);
        assertEquals(List.of("retry 1", "retry 2", "retry 3", "retry 4", "retry 5"),
                accepted.stream().map(d -> d.json().get("data").get("message").get("text").asText()).toList());
        List<Delivery> all = about(receiver.deliveries(), chat.id(), null);
        String first = accepted.get(0).id();
        assertEquals(List.of(first, first, first, first), all.subList(0, 4).stream().map(Delivery::id).toList(),
                "the first event, three times refused, then taken: the same id each time");
        assertEquals(List.of(500, 500, 500, 200), all.subList(0, 4).stream().map(Delivery::answered).toList());
        assertEquals(accepted.stream().map(Delivery::id).toList(), all.subList(3, all.size()).stream().map(Delivery::id).toList(),
                "after the retries every event once, in order");
        JsonNode view = await().atMost(WAIT).until(() -> Json.parse(api.get(admin, "/api/webhooks/" + endpoint.get("id").asLong()).body()),
                v -> v.get("delivery").get("pending").asLong() == 0 && v.get("delivery").get("attempts").asInt() == 0);
        assertTrue(view.get("enabled").asBoolean());
    }

    @Test
    void replayDeliversExactlyTheRequestedRangeAgain() throws Exception {
        WebhookReceiver receiver = receiver();
        Api api = new Api(base);
        String admin = api.agentToken();
        long endpoint = register(api, admin, receiver, "message.created").get("id").asLong();
        Chat chat = Chat.start(base);
        for (int i = 1; i <= 5; i++) {
            chat.send(chat.visitorToken(), "p-" + i, "replay " + i);
        }
        List<Delivery> first = await().atMost(WAIT).until(() -> about(receiver.accepted(), chat.id(), null), d -> d.size() >= 5);
        Instant between = Instant.now();
        chat.send(chat.visitorToken(), "p-6", "replay 6");
        await().atMost(WAIT).until(() -> about(receiver.accepted(), chat.id(), null).size() >= 6);
        int before = receiver.accepted().size();

        long cursor = first.get(1).eventId(); // after the second event
        JsonNode replayed = Json.parse(Api.expect(200, api.request("POST", "/api/webhooks/" + endpoint + "/replay?after=" + cursor,
                admin, null)).body());
        assertEquals(4, replayed.get("queued").asLong());
        List<Delivery> again = await().atMost(WAIT).until(() -> receiver.accepted().subList(before, receiver.accepted().size()),
                d -> d.size() >= 4);
        List<Delivery> all = about(receiver.accepted(), chat.id(), null);
        assertEquals(all.subList(2, 6).stream().map(Delivery::id).toList(), again.stream().map(Delivery::id).toList(),
                "events 3 to 6 again, in order, with their ids");
        assertEquals(all.subList(2, 6).stream().map(Delivery::body).toList(), again.stream().map(Delivery::body).toList());

        int beforeSince = receiver.accepted().size();
        assertEquals(1, Json.parse(Api.expect(200, api.request("POST", "/api/webhooks/" + endpoint + "/replay?since=" + between,
                admin, null)).body()).get("queued").asLong(), "since " + between + ": the sixth event only");
        List<Delivery> since = await().atMost(WAIT).until(() -> receiver.accepted().subList(beforeSince, receiver.accepted().size()),
                d -> d.size() >= 1);
        // Nothing else was queued: the endpoint has no delivery pending (the replay's rows were queued before it answered).
        await().atMost(WAIT).until(() -> Json.parse(api.get(admin, "/api/webhooks/" + endpoint).body())
                .get("delivery").get("pending").asLong() == 0);
        assertEquals(List.of(all.get(5).id()), receiver.accepted().subList(beforeSince, receiver.accepted().size()).stream()
                .map(Delivery::id).toList(), "since the time: the sixth only; " + since);
        for (String bad : List.of("?after=-1", "?after=x", "?since=yesterday", "", "?after=1&since=" + between)) {
            HttpResponse<String> r = api.request("POST", "/api/webhooks/" + endpoint + "/replay" + bad, admin, null);
            assertEquals(400, r.statusCode(), bad + " → " + r.body());
        }
    }

    /**
     * A receiver that does not answer within the timeout is given up on for that attempt and tried again with the
     * same id; meanwhile another endpoint's events arrive as usual: a slow receiver holds its own turn only.
     * (Endpoints were served one after another, so every slow attempt delayed everyone else's deliveries.)
     */
    @Test
    void aSlowReceiverIsRetriedAndHoldsUpNoOtherEndpoint() throws Exception {
        WebhookReceiver slow = receiver();
        slow.hold(1); // the first request is never answered (the test profile's timeout is 5 s)
        WebhookReceiver quick = receiver();
        Api api = new Api(base);
        String admin = api.agentToken();
        long slowId = register(api, admin, slow, "message.created").get("id").asLong(); // first in the queue
        register(api, admin, quick, "message.created");
        Chat chat = Chat.start(base);
        chat.send(chat.visitorToken(), "slow-1", "slow 1");
        chat.send(chat.visitorToken(), "slow-2", "slow 2");
        await().atMost(WAIT).until(() -> about(quick.accepted(), chat.id(), null).size() >= 2);
        JsonNode whileSlow = Json.parse(api.get(admin, "/api/webhooks/" + slowId).body());
        assertEquals(1, slow.requests(), "the slow receiver's first attempt is under way");
        assertEquals(0, whileSlow.get("delivery").get("attempts").asInt(),
                "the other endpoint was served while the slow attempt was still under way: " + whileSlow);
        List<Delivery> late = await().atMost(WAIT).until(() -> about(slow.accepted(), chat.id(), null), d -> d.size() >= 2);
        slow.release();
        assertEquals(List.of("slow 1", "slow 2"), late.stream().map(d -> d.json().get("data").get("message").get("text").asText()).toList());
        assertEquals(about(quick.accepted(), chat.id(), null).stream().map(Delivery::id).toList(),
                late.stream().map(Delivery::id).toList(), "the same events, with the same ids, in the same order");
        assertTrue(slow.requests() >= 3, "the first event was sent again after its attempt timed out: " + slow.requests());
    }

    /**
     * A redirect is not followed (it could point anywhere, inside the network too): it is a failed attempt,
     * recorded with its status, and retried at the registered address.
     */
    @Test
    void aRedirectIsNotFollowedButCountsAsAFailedAttempt() throws Exception {
        WebhookReceiver elsewhere = receiver();
        WebhookReceiver redirecting = receiver();
        redirecting.redirectsTo(elsewhere.url());
        redirecting.answers(n -> n == 1 ? 302 : n == 2 ? 307 : 200);
        Api api = new Api(base);
        String admin = api.agentToken();
        long endpoint = register(api, admin, redirecting, "message.created").get("id").asLong();
        Chat chat = Chat.start(base);
        chat.send(chat.visitorToken(), "redirected-1", "redirected");
        JsonNode failing = await().atMost(WAIT).until(() -> Json.parse(api.get(admin, "/api/webhooks/" + endpoint).body()),
                v -> v.get("delivery").get("lastError").asText("").startsWith("HTTP 302"));
        assertTrue(failing.get("enabled").asBoolean(), failing.toString());
        List<Delivery> accepted = await().atMost(WAIT).until(() -> about(redirecting.accepted(), chat.id(), null), d -> !d.isEmpty());
        assertEquals("redirected", accepted.get(0).json().get("data").get("message").get("text").asText());
        assertEquals(List.of(302, 307, 200), about(redirecting.deliveries(), chat.id(), null).stream().map(Delivery::answered).toList());
        assertEquals(0, elsewhere.requests(), "the redirect was not followed");
    }

    @Test
    void anEndpointThatKeepsFailingIsDisabledWithItsReasonAndResumesWhereItStoppedWhenEnabled() throws Exception {
        WebhookReceiver receiver = receiver();
        receiver.answers(n -> 503);
        Api api = new Api(base);
        String admin = api.agentToken();
        long endpoint = register(api, admin, receiver, "message.created").get("id").asLong();
        Chat chat = Chat.start(base);
        chat.send(chat.visitorToken(), "d-1", "down 1");
        chat.send(chat.visitorToken(), "d-2", "down 2");
        // retry-for is 6 s in the test profile (24 h by default).
        JsonNode disabled = await().atMost(WAIT).until(() -> Json.parse(api.get(admin, "/api/webhooks/" + endpoint).body()),
                v -> !v.get("enabled").asBoolean());
        assertTrue(disabled.get("disabledReason").asText().contains("HTTP 503"), disabled.toString());
        assertTrue(disabled.get("disabledReason").asText().startsWith("failing since "), disabled.toString());
        assertTrue(disabled.get("delivery").get("pending").asLong() >= 2, disabled.toString());
        assertTrue(disabled.get("delivery").get("lastError").asText().contains("receiver says no"), "an excerpt of the answer");
        int tried = receiver.requests();
        // A second, working endpoint is the marker: once it has the event, the dispatcher has been past it.
        WebhookReceiver witness = receiver();
        register(api, admin, witness, "message.created");
        chat.send(chat.visitorToken(), "d-3", "while disabled");
        await().atMost(WAIT).until(() -> about(witness.accepted(), chat.id(), null).stream()
                .anyMatch(d -> d.json().get("data").get("message").get("text").asText().equals("while disabled")));
        assertEquals(tried, receiver.requests(), "nothing is sent to a disabled endpoint");
        assertTrue(Json.parse(api.get(admin, "/api/webhooks/" + endpoint).body()).get("delivery").get("pending").asLong() >= 3,
                "the event waits for the disabled endpoint");

        receiver.answers(n -> 200);
        JsonNode enabled = Json.parse(Api.expect(200, api.request("PATCH", "/api/webhooks/" + endpoint, admin,
                "{\"enabled\":true}")).body());
        assertTrue(enabled.get("enabled").asBoolean());
        assertTrue(enabled.get("disabledReason").isNull());
        List<Delivery> accepted = await().atMost(WAIT).until(() -> about(receiver.accepted(), chat.id(), null), d -> d.size() >= 3);
        assertEquals(List.of("down 1", "down 2", "while disabled"),
                accepted.stream().map(d -> d.json().get("data").get("message").get("text").asText()).toList());
    }

    @Test
    void aRotatedSecretSignsAlongsideTheOldOneAndOnlyAdminsManageWebhooks() throws Exception {
        WebhookReceiver receiver = receiver();
        Api api = new Api(base);
        String admin = api.agentToken();
        JsonNode endpoint = register(api, admin, receiver, "message.created");
        long id = endpoint.get("id").asLong();
        String old = endpoint.get("secret").asText();
        JsonNode rotated = Json.parse(Api.expect(200, api.request("POST", "/api/webhooks/" + id + "/rotate-secret", admin, null)).body());
        String current = rotated.get("secret").asText();
        assertNotEquals(old, current);
        assertEquals(current, Json.parse(Api.expect(200, api.get(admin, "/api/webhooks/" + id + "/secret")).body()).get("secret").asText());
        Chat chat = Chat.start(base);
        chat.send(chat.visitorToken(), "s-1", "signed twice");
        Delivery d = await().atMost(WAIT).until(() -> about(receiver.accepted(), chat.id(), null), l -> !l.isEmpty()).get(0);
        assertTrue(WebhookReceiver.verifies(current, d));
        assertTrue(WebhookReceiver.verifies(old, d), "receivers still on the old secret keep verifying for a while");
        assertEquals(2, d.signature().split(" ").length);

        String agent = api.newAgent(admin, "hookless" + System.nanoTime(), "Hookless", "password-hookless-1");
        for (HttpResponse<String> r : List.of(api.get(agent, "/api/webhooks"), api.get(agent, "/api/webhooks/" + id + "/secret"),
                api.request("POST", "/api/webhooks", agent, request(receiver.url().toString(), "message.created").toString()),
                api.get(chat.visitorToken(), "/api/webhooks"))) {
            assertEquals(403, r.statusCode(), r.body());
        }
        assertEquals(401, api.get(null, "/api/webhooks").statusCode());
        assertEquals(404, api.get(admin, "/api/webhooks/999999999").statusCode());
    }

    @Test
    void internalAddressesBadUrlsAndUnknownEventsAreRefused() {
        Api api = new Api(base);
        String admin = api.agentToken();
        for (String url : List.of("http://10.0.0.5/hook", "http://169.254.169.254/latest/meta-data", "http://localhost:8080/x",
                "http://[::1]/x", "http://[::ffff:10.0.0.1]/x", "http://100.64.0.1/x", "http://0.0.0.0/x", "http://192.168.1.1/x",
                "ftp://example.com/x", "http://user:pw@example.com/x", "/relative", "not a url", "http:///x")) {
            HttpResponse<String> r = api.request("POST", "/api/webhooks", admin, request(url, "message.created").toString());
            assertEquals(400, r.statusCode(), url + " → " + r.body());
            assertEquals("invalid_webhook_url", Json.parse(r.body()).get("error").asText(), url);
        }
        for (ObjectNode bad : List.of(request("http://127.0.0.1:1/x"), request("http://127.0.0.1:1/x", "message.deleted"),
                (ObjectNode) request("http://127.0.0.1:1/x", "message.created").put("description", "d".repeat(201)))) {
            HttpResponse<String> r = api.request("POST", "/api/webhooks", admin, bad.toString());
            assertEquals("invalid_webhook", Json.parse(r.body()).get("error").asText(), bad + " → " + r.body());
        }
    }

    @Test
    void theNumberOfEndpointsHasABudget() {
        Api api = new Api(base);
        String admin = api.agentToken();
        int existing = Json.parse(Api.expect(200, api.get(admin, "/api/webhooks")).body()).size();
        for (int i = existing; i < 20; i++) {
            endpoints.add(Json.parse(Api.expect(201, api.request("POST", "/api/webhooks", admin,
                    request("http://127.0.0.1:9/budget-" + i, "message.created").toString())).body()).get("id").asLong());
        }
        HttpResponse<String> over = api.request("POST", "/api/webhooks", admin, request("http://127.0.0.1:9/one-more", "message.created").toString());
        assertEquals(409, over.statusCode(), over.body());
        assertEquals("too_many_webhooks", Json.parse(over.body()).get("error").asText());
        // Those endpoints never answer (port 9): disable them at once so they do not retry while the suite runs.
        endpoints.forEach(id -> api.request("PATCH", "/api/webhooks/" + id, admin, "{\"enabled\":false}"));
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    /**
     * #27, DNS rebinding: the guard resolved the name and judged the address, then the HTTP client resolved it
     * again on connect, so a name that answered a public address to the check and 127.0.0.1 a moment later
     * took deliveries inside. Here the check (Destinations) says the name is at 127.0.0.2, while the system
     * resolves it to 127.0.0.1, where another receiver listens on the same port: the delivery goes to the
     * address that was checked, with the URL's name in Host, and never to a fresh resolution.
     */
    @Test
    void aDeliveryConnectsToTheAddressThatWasCheckedNotToAFreshResolution() throws Exception {
        WebhookReceiver fresh = receiver(); // 127.0.0.1: where "localhost" resolves now
        WebhookReceiver checked = new WebhookReceiver("127.0.0.2", fresh.port());
        receivers.add(checked);
        InetAddress checkedAddress = InetAddress.getByName("127.0.0.2");
        QuarkusMock.installMockForType(new Destinations() {
            @Override
            InetAddress reachable(URI uri) {
                return checkedAddress;
            }
        }, Destinations.class);
        Api api = new Api(base);
        String admin = api.agentToken();
        JsonNode created = Json.parse(Api.expect(201, api.request("POST", "/api/webhooks", admin,
                request("http://localhost:" + fresh.port() + "/hooks/switchboard", "conversation.created").toString())).body());
        endpoints.add(created.get("id").asLong());
        Chat chat = Chat.start(base);
        await().atMost(WAIT).until(() -> checked.accepted().stream().anyMatch(d -> d.type().equals("conversation.created")
                && d.json().get("data").get("conversationId").asLong() == chat.id()));
        assertEquals(List.of(), fresh.deliveries(), "nothing reached the address a fresh resolution gives");
    }

    private WebhookReceiver receiver() throws Exception {
        WebhookReceiver receiver = new WebhookReceiver();
        receivers.add(receiver);
        return receiver;
    }

    private JsonNode register(Api api, String admin, WebhookReceiver receiver, String... events) {
        JsonNode created = Json.parse(Api.expect(201, api.request("POST", "/api/webhooks", admin,
                request(receiver.url().toString(), events).toString())).body());
        endpoints.add(created.get("id").asLong());
        return created;
    }

    private static ObjectNode request(String url, String... events) {
        ObjectNode body = Json.object().put("url", url);
        var list = body.putArray("events");
        for (String e : events) {
            list.add(e);
        }
        return body;
    }

    /** The deliveries about one conversation (and, given a user id, that user's sign-in), in arrival order. */
    private static List<Delivery> about(List<Delivery> deliveries, long conversation, String user) {
        Predicate<Delivery> mine = d -> {
            JsonNode data = d.json().get("data");
            return (data.has("conversationId") && data.get("conversationId").asLong() == conversation)
                    || (user != null && data.has("userId") && data.get("userId").asText().equals(user));
        };
        return deliveries.stream().filter(mine).toList();
    }
}
