package io.switchboard.identity;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Api;
import io.switchboard.support.Json;
import io.switchboard.support.Received;
import io.switchboard.support.Receiver;
import io.switchboard.support.SiteIdentity;
import io.switchboard.support.Transports;

/**
 * Signed visitor identities (#16): a site's logged-in user is one visitor on every device, an anonymous
 * visitor who signs in is merged with every message kept once and in order, and nothing unsigned, forged,
 * tampered or stale is trusted.
 */
@QuarkusTest
class SignedIdentityTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void twoDevicesSignedInAsOneUserShareOneHistoryOnEveryTransport() {
        Api api = new Api(base);
        String user = "user-" + UUID.randomUUID();
        String identity = SiteIdentity.sign(user, "Mei Lin", "mei@example.com");
        HttpResponse<String> first = api.request("POST", "/api/visitors", null, Json.object().put("identity", identity).toString());
        assertEquals(201, first.statusCode(), first.body());
        HttpResponse<String> second = api.request("POST", "/api/visitors", null,
                Json.object().put("identity", SiteIdentity.sign(user, "Mei Lin", "mei@example.com")).toString()); // its page's own
        assertEquals(200, second.statusCode(), "the second device signs in to the visitor the first one created: " + second.body());
        JsonNode laptop = Json.parse(first.body());
        JsonNode phone = Json.parse(second.body());
        long visitor = laptop.get("visitor").get("id").asLong();
        assertEquals(visitor, phone.get("visitor").get("id").asLong());
        assertNotEquals(laptop.get("token").asText(), phone.get("token").asText(), "each device has its own token");
        assertTrue(laptop.get("visitor").get("verified").asBoolean());
        assertEquals("Mei Lin", phone.get("visitor").get("name").asText());
        assertTrue(second.headers().firstValue("Set-Cookie").orElse("").startsWith("sb_visitor="));

        String laptopToken = laptop.get("token").asText();
        String phoneToken = phone.get("token").asText();
        long conversation = api.conversation(laptopToken);
        assertEquals(conversation, api.conversation(phoneToken), "one current conversation for the person");

        List<Receiver> receivers = new ArrayList<>();
        try {
            for (String transport : Transports.ALL) {
                receivers.add(Transports.open(transport, api, laptopToken, "visitor", conversation, 0));
                receivers.add(Transports.open(transport, api, phoneToken, "visitor", conversation, 0));
            }
            api.sendOk(laptopToken, conversation, "laptop-1", "Typed on the laptop");
            api.sendOk(phoneToken, conversation, "phone-1", "Then on the phone");
            api.sendOk(laptopToken, conversation, "laptop-2", "Back on the laptop");
            // A fourth message is the marker: streams are in seq order, so a duplicate of the first three would
            // have arrived before it.
            api.sendOk(phoneToken, conversation, "phone-2", "Marker");
            await().atMost(Duration.ofSeconds(30)).until(() -> receivers.stream().allMatch(r -> r.seqs().contains(4L)));
            for (Receiver r : receivers) {
                assertEquals(List.of(1L, 2L, 3L, 4L), r.seqs(), "live on " + r.transport());
                assertEquals(List.of("Typed on the laptop", "Then on the phone", "Back on the laptop", "Marker"),
                        r.received().stream().map(Received::text).toList(), r.transport());
                assertTrue(r.received().stream().allMatch(m -> m.authorKind().equals("visitor") && m.authorId() == visitor),
                        "one author, whichever device wrote: " + r.transport());
            }
        } finally {
            receivers.forEach(Receiver::close);
        }
        // A device that comes later gets the whole history on every transport.
        String tablet = Json.parse(Api.expect(200, api.request("POST", "/api/visitors", null,
                Json.object().put("identity", SiteIdentity.sign(user, null, null)).toString())).body()).get("token").asText();
        for (String transport : Transports.ALL) {
            try (Receiver replay = Transports.open(transport, api, tablet, "visitor", conversation, 0)) {
                await().atMost(Duration.ofSeconds(20)).until(() -> replay.received().size() >= 4);
                assertEquals(List.of(1L, 2L, 3L, 4L), replay.seqs(), "replayed on " + transport);
            }
        }
        // Agents see who the site says this is.
        JsonNode profile = Json.parse(Api.expect(200, api.get(api.agentToken(), "/api/visitors/" + visitor)).body());
        assertEquals(user, profile.get("verified").get("userId").asText());
        assertEquals("mei@example.com", profile.get("email").asText());
    }

    @Test
    void anUnsignedForgedTamperedOrStaleIdentityIsRefused() {
        Api api = new Api(base);
        long now = Instant.now().getEpochSecond();
        String user = "user-" + UUID.randomUUID();
        String valid = SiteIdentity.sign(user, "Ana", null);
        String[] parts = valid.split("\\.");
        String otherUser = Json.object().put("sub", "someone-else").put("exp", now + 600).toString();
        List<String> refused = List.of(
                "",
                "not a jwt",
                "a.b.c",
                // signed with a secret the site does not have
                SiteIdentity.signWith("a-secret-the-service-does-not-know-0123456789", "HS256",
                        Json.object().put("sub", user).put("exp", now + 600).toString()),
                // the payload changed after signing
                parts[0] + "." + SiteIdentity.part(otherUser) + "." + parts[2],
                // no signature at all
                SiteIdentity.part("{\"alg\":\"none\"}") + "." + SiteIdentity.part(otherUser) + ".",
                // an asymmetric algorithm named over an HMAC (key confusion)
                SiteIdentity.signWith(SiteIdentity.SECRET, "RS256", otherUser),
                // a good signature, but with another HMAC than the service's one (#27: the token never chooses)
                SiteIdentity.signWith(SiteIdentity.SECRET, "HS384", otherUser),
                SiteIdentity.signWith(SiteIdentity.SECRET, "HS512", otherUser),
                // expired, never expiring, expiring too late, not valid yet
                SiteIdentity.signWith(SiteIdentity.SECRET, "HS256", Json.object().put("sub", user).put("exp", now - 3600).toString()),
                SiteIdentity.signWith(SiteIdentity.SECRET, "HS256", Json.object().put("sub", user).toString()),
                SiteIdentity.signWith(SiteIdentity.SECRET, "HS256", Json.object().put("sub", user).put("exp", now + 3 * 86400).toString()),
                SiteIdentity.signWith(SiteIdentity.SECRET, "HS256",
                        Json.object().put("sub", user).put("exp", now + 600).put("nbf", now + 3600).toString()),
                // no user id, or one no store should keep
                SiteIdentity.signWith(SiteIdentity.SECRET, "HS256", Json.object().put("exp", now + 600).toString()),
                SiteIdentity.signWith(SiteIdentity.SECRET, "HS256", Json.object().put("sub", "x".repeat(129)).put("exp", now + 600).toString()),
                SiteIdentity.signWith(SiteIdentity.SECRET, "HS256", Json.object().put("sub", "a\u0000b").put("exp", now + 600).toString()),
                "x".repeat(5000));
        String anonymous = api.newVisitor().token();
        for (String identity : refused) {
            String body = Json.object().put("identity", identity).toString();
            for (HttpResponse<String> r : List.of(api.request("POST", "/api/visitors", null, body),
                    api.request("PUT", "/api/visitors/me/identity", anonymous, body))) {
                assertEquals(401, r.statusCode(), identity + " → " + r.body());
                assertEquals("invalid_identity", Json.parse(r.body()).get("error").asText(), r.body());
            }
        }
        HttpResponse<String> otherHmac = api.request("POST", "/api/visitors", null,
                Json.object().put("identity", SiteIdentity.signWith(SiteIdentity.SECRET, "HS384", otherUser)).toString());
        assertTrue(Json.parse(otherHmac.body()).get("message").asText().contains("must be signed with HS256"),
                "says which algorithm, not that the signature is wrong: " + otherHmac.body());
        JsonNode me = Json.parse(Api.expect(200, api.get(anonymous, "/api/visitors/me")).body());
        assertFalse(me.get("verified").asBoolean(), "refusals leave the anonymous visitor as it was");
        // A bad e-mail in a good signature is the e-mail's error, as anywhere else.
        HttpResponse<String> badEmail = api.request("POST", "/api/visitors", null, Json.object().put("identity",
                SiteIdentity.signWith(SiteIdentity.SECRET, "HS256", Json.object().put("sub", user).put("exp", now + 600)
                        .put("email", "not-an-address").toString())).toString());
        assertEquals("invalid_email", Json.parse(badEmail.body()).get("error").asText(), badEmail.body());
        // The previous secret still works while the site rotates; the valid token works.
        Api.expect(201, api.request("POST", "/api/visitors", null, Json.object().put("identity", SiteIdentity.signWith(
                SiteIdentity.PREVIOUS_SECRET, "HS256", Json.object().put("sub", user).put("exp", now + 600).toString())).toString()));
        Api.expect(200, api.request("POST", "/api/visitors", null, Json.object().put("identity", valid).toString()));
    }

    @Test
    void anAnonymousVisitorWhoSignsInIsMergedWithEveryMessageOnceAndInOrder() {
        Api api = new Api(base);
        String agent = api.agentToken();
        String user = "user-" + UUID.randomUUID();
        // Yesterday, signed in on the laptop: a conversation the agent resolved.
        String laptop = Json.parse(Api.expect(201, api.request("POST", "/api/visitors", null,
                Json.object().put("identity", SiteIdentity.sign(user, "Tomás", "tomas@example.com")).toString())).body())
                .get("token").asText();
        long visitor = Json.parse(Api.expect(200, api.get(laptop, "/api/visitors/me")).body()).get("id").asLong();
        long before = api.conversation(laptop);
        api.sendOk(laptop, before, "l-1", "Where is my parcel?");
        api.sendOk(agent, before, "ag-" + before, "On its way.");
        Api.expect(200, api.request("POST", "/api/conversations/" + before + "/status", agent, "{\"status\":\"resolved\"}"));
        // Today, on the phone, not signed in yet: an anonymous conversation.
        Api.Visitor phone = api.newVisitor();
        long today = api.conversation(phone.token());
        api.sendOk(phone.token(), today, "p-1", "Hello again");
        api.sendOk(agent, today, "ag-" + today, "Hi! Who am I speaking to?");
        long p2 = api.sendOk(phone.token(), today, "p-2", "Tomás, order 1234").get("seq").asLong();
        // The same client id the laptop used, in another conversation: stays unique per author after the merge.
        api.sendOk(phone.token(), today, "l-1", "And a question about returns");
        List<Long> beforeSeqs = seqs(api, agent, before);
        List<Long> todaySeqs = seqs(api, agent, today);

        JsonNode answer = Json.parse(Api.expect(200, api.request("PUT", "/api/visitors/me/identity", phone.token(),
                Json.object().put("identity", SiteIdentity.sign(user, null, null)).toString())).body());
        JsonNode signedIn = answer.get("visitor");
        assertEquals(visitor, signedIn.get("id").asLong(), "merged into the identified visitor");
        assertTrue(signedIn.get("verified").asBoolean());
        assertEquals("Tomás", signedIn.get("name").asText());
        // The anonymous visitor's token ends (a copy of it could be anywhere); the phone gets a new one (#27).
        String phoneNow = answer.get("token").asText();
        assertTrue(phoneNow.startsWith("v_") && !phoneNow.equals(phone.token()), answer.toString());
        assertEquals(401, api.get(phone.token(), "/api/visitors/me").statusCode(), "the anonymous token ended");
        assertEquals(401, api.get(phone.token(), "/api/conversations/" + today + "/messages").statusCode());
        assertEquals(401, io.switchboard.support.WsClient.refusal(base, "visitor", phone.token()));

        // Both devices see both conversations.
        for (String token : List.of(phoneNow, laptop)) {
            JsonNode mine = Json.parse(Api.expect(200, api.get(token, "/api/conversations")).body()).get("items");
            Set<Long> ids = new HashSet<>();
            mine.forEach(c -> ids.add(c.get("id").asLong()));
            assertEquals(Set.of(before, today), ids);
            mine.forEach(c -> assertEquals(visitor, c.get("visitor").get("id").asLong()));
        }
        assertEquals(today, api.conversation(laptop), "the open conversation is the person's current one");
        // Every message once, in order, unchanged, on every transport, from either device.
        assertEquals(beforeSeqs, seqs(api, agent, before));
        assertEquals(todaySeqs, seqs(api, agent, today));
        List<Long> todayAll = new ArrayList<>(todaySeqs);
        for (String transport : Transports.ALL) {
            for (String token : List.of(phoneNow, laptop)) {
                try (Receiver r = Transports.open(transport, api, token, "visitor", today, 0)) {
                    await().atMost(Duration.ofSeconds(20)).until(() -> r.received().size() >= todayAll.size());
                    // An agent's message is the marker: in seq order, a duplicate of the history would come before it.
                    long marker = api.sendOk(agent, today, "marker-" + transport + "-" + todayAll.size(), "Marker").get("seq").asLong();
                    todayAll.add(marker);
                    await().atMost(Duration.ofSeconds(20)).until(() -> r.seqs().contains(marker));
                    assertEquals(todayAll, r.seqs(), transport);
                    List<Received> visitorLines = r.received().stream().filter(m -> m.authorKind().equals("visitor")).toList();
                    assertEquals(List.of("Hello again", "Tomás, order 1234", "And a question about returns"),
                            visitorLines.stream().map(Received::text).toList(), transport);
                    assertEquals(List.of(visitor, visitor, phone.id()), visitorLines.stream().map(Received::authorId).toList(),
                            "the visitor's messages are the identified visitor's, but for the one whose client id it already used");
                }
            }
        }
        // A retry of a message sent before the merge, with its client id, is the same message, not a second one.
        JsonNode retried = api.sendOk(phoneNow, today, "p-2", "Tomás, order 1234");
        assertEquals(p2, retried.get("seq").asLong(), retried.toString());
        assertEquals(todayAll, seqs(api, agent, today));
        // Signing in again as the same person changes nothing; as someone else is a conflict.
        JsonNode again = Json.parse(Api.expect(200, api.request("PUT", "/api/visitors/me/identity", phoneNow,
                Json.object().put("identity", SiteIdentity.sign(user, null, null)).toString())).body());
        assertTrue(again.get("token").isNull(), "already this person: the token stays " + again);
        Api.expect(200, api.get(phoneNow, "/api/visitors/me"));
        HttpResponse<String> other = api.request("PUT", "/api/visitors/me/identity", phoneNow,
                Json.object().put("identity", SiteIdentity.sign("user-" + UUID.randomUUID(), null, null)).toString());
        assertEquals(409, other.statusCode(), other.body());
        assertEquals("identity_mismatch", Json.parse(other.body()).get("error").asText());
        assertEquals(todayAll, seqs(api, agent, today));
    }

    @Test
    void devicesSigningInAtOnceMakeOneVisitorAndTheOldestDeviceBeyondTheBudgetIsSignedOut() throws Exception {
        Api api = new Api(base);
        String user = "user-" + UUID.randomUUID();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                String body = Json.object().put("identity", SiteIdentity.sign(user, null, null)).toString(); // each device its own
                all.add(CompletableFuture.supplyAsync(() -> api.request("POST", "/api/visitors", null, body), pool));
            }
        } finally {
            pool.shutdown();
        }
        List<HttpResponse<String>> answers = all.stream().map(CompletableFuture::join).toList();
        assertEquals(1, answers.stream().filter(r -> r.statusCode() == 201).count(), "one sign-in created the visitor");
        assertEquals(7, answers.stream().filter(r -> r.statusCode() == 200).count());
        assertEquals(1, answers.stream().map(r -> Json.parse(r.body()).get("visitor").get("id").asLong()).distinct().count());

        // max-devices is 10: eight devices now, three more sign in, the oldest tokens end.
        List<String> tokens = new ArrayList<>(answers.stream().map(r -> Json.parse(r.body()).get("token").asText()).toList());
        for (int i = 0; i < 3; i++) {
            tokens.add(Json.parse(Api.expect(200, api.request("POST", "/api/visitors", null,
                    Json.object().put("identity", SiteIdentity.sign(user, null, null)).toString())).body()).get("token").asText());
        }
        long working = tokens.stream().filter(t -> api.get(t, "/api/visitors/me").statusCode() == 200).count();
        assertEquals(10, working, "a visitor keeps at most 10 device tokens");
        assertEquals(200, api.get(tokens.get(tokens.size() - 1), "/api/visitors/me").statusCode(), "the newest device works");
    }

    /**
     * #27: one identity token is one device. Replayed (a copy kept from a page, a log), it only ever replaces its
     * own device's session: the user's other devices stay signed in. (Ten replays ended all of a user's devices.)
     */
    @Test
    void replayingOneIdentityTokenNeverSignsOutTheUsersOtherDevices() {
        Api api = new Api(base);
        String user = "user-" + UUID.randomUUID();
        List<String> devices = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            devices.add(Json.parse(api.request("POST", "/api/visitors", null,
                    Json.object().put("identity", SiteIdentity.sign(user, null, null)).toString()).body()).get("token").asText());
        }
        String replayed = Json.object().put("identity", SiteIdentity.sign(user, null, null)).toString();
        String last = null;
        for (int i = 0; i < 12; i++) { // more than max-devices (10)
            last = Json.parse(Api.expect(200, api.request("POST", "/api/visitors", null, replayed)).body()).get("token").asText();
        }
        for (String device : devices) {
            assertEquals(200, api.get(device, "/api/visitors/me").statusCode(), "a device signed in with its own identity");
        }
        assertEquals(200, api.get(last, "/api/visitors/me").statusCode(), "the replay's newest session");
        // The same with a jti: tokens that differ only in exp but share a jti are one device.
        long now = Instant.now().getEpochSecond();
        String first = Json.parse(Api.expect(200, api.request("POST", "/api/visitors", null, Json.object().put("identity",
                SiteIdentity.signWith(SiteIdentity.SECRET, "HS256", Json.object().put("sub", user).put("jti", "page-1")
                        .put("exp", now + 600).toString())).toString())).body()).get("token").asText();
        Api.expect(200, api.request("POST", "/api/visitors", null, Json.object().put("identity",
                SiteIdentity.signWith(SiteIdentity.SECRET, "HS256", Json.object().put("sub", user).put("jti", "page-1")
                        .put("exp", now + 601).toString())).toString()));
        assertEquals(401, api.get(first, "/api/visitors/me").statusCode(), "its jti's device signed in again: the old session ends");
        for (String device : devices) {
            assertEquals(200, api.get(device, "/api/visitors/me").statusCode());
        }
    }

    private static List<Long> seqs(Api api, String agent, long conversation) {
        List<Long> seqs = new ArrayList<>();
        Json.parse(Api.expect(200, api.get(agent, "/api/conversations/" + conversation + "/messages?limit=200")).body())
                .forEach(m -> seqs.add(m.get("seq").asLong()));
        return seqs;
    }
}
