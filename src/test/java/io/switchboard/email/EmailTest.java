package io.switchboard.email;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.FromAddress;
import io.switchboard.support.GreenMailResource;
import io.switchboard.support.Json;
import io.switchboard.support.SiteIdentity;
import io.switchboard.support.TestLogs;
import jakarta.inject.Inject;
import jakarta.mail.internet.MimeMessage;

/**
 * E-mail (#16) against a real SMTP server (GreenMail) started by the test: unread replies mailed once and
 * together, a continue link that works once on another device and not when tampered or expired, transcripts
 * in the visitor's language with everything the participants wrote escaped, unsubscribing, the team's alert,
 * retries while the mail server is away, and a refused address recorded, not retried.
 */
@QuarkusTest
@TestProfile(EmailTest.Mail.class)
class EmailTest {

    /**
     * E-mail on, against a real SMTP server (GreenMail) that is part of the profile: every class with this
     * profile (this one, EmailBrowserTest, EmailIT) shares one boot of the application and one server.
     */
    public static class Mail implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(GreenMailResource.class));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(Map.entry("switchboard.email.from", "Acme support <support@acme.example>"),
                    Map.entry("switchboard.email.public-url", "https://chat.acme.example"),
                    Map.entry("switchboard.email.continue-url", "https://www.acme.example/help"),
                    Map.entry("switchboard.email.notify-after", "PT1S"),
                    Map.entry("switchboard.email.team-address", "team@acme.example"),
                    Map.entry("switchboard.email.transcript-on-resolve", "true"),
                    Map.entry("switchboard.email.poll", "1s"),
                    Map.entry("switchboard.email.backoff-base", "PT0.3S"),
                    Map.entry("switchboard.email.max-attempts", String.valueOf(MAX_ATTEMPTS)),
                    // every test speaks from 127.0.0.1: the per-source budget is tried with rows of its own
                    Map.entry("switchboard.email.email-requests-per-source-per-hour", String.valueOf(PER_SOURCE)));
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(30);
    static final int MAX_ATTEMPTS = 20;
    static final int PER_SOURCE = 1000;
    private static final Pattern CONFIRM = Pattern.compile("https://chat\\.acme\\.example(/api/email/confirm\\?t=[A-Za-z0-9_-]+)");
    private static final Pattern LINK = Pattern.compile("https://chat\\.acme\\.example(/api/email/continue\\?t=[A-Za-z0-9_-]+)");

    @TestHTTPResource("/")
    URI base;

    @Inject
    DataSource dataSource;

    @BeforeEach
    void clean() throws Exception {
        GreenMailResource.server().purgeEmailFromAllMailboxes();
    }

    @Test
    void unreadRepliesAreMailedOnceTogetherWithALinkThatContinuesOnAnotherDeviceOnce() throws Exception {
        Chat chat = named("Zoë", "zoe@example.test");
        String agent = chat.api().agentToken();
        chat.send(agent, "r1-" + chat.id(), "Your order <b>ships</b> today & \"soon\"");
        chat.send(agent, "r2-" + chat.id(), "Tracking: 1Z999");
        MimeMessage mail = await().atMost(WAIT).until(() -> to("zoe@example.test"), l -> l.size() == 1).get(0);
        assertEquals("2 new replies to your conversation", mail.getSubject());
        assertEquals("Acme support <support@acme.example>", mail.getFrom()[0].toString());
        String text = part(mail, "text/plain");
        String html = part(mail, "text/html");
        assertTrue(text.contains("Your order <b>ships</b> today & \"soon\"") && text.contains("Tracking: 1Z999"), text);
        assertTrue(html.contains("Your order &lt;b&gt;ships&lt;/b&gt; today &amp; &quot;soon&quot;"), html);
        assertFalse(html.contains("<b>ships"), "what an agent wrote is never markup");
        assertTrue(mail.getHeader("List-Unsubscribe")[0].startsWith("<https://chat.acme.example/api/email/unsubscribe?v="));
        assertEquals("List-Unsubscribe=One-Click", mail.getHeader("List-Unsubscribe-Post")[0]);
        awaitSettled(chat.id()); // every e-mail queued for it is sent or dropped: nothing more will come
        assertEquals(1, to("zoe@example.test").size(), "one e-mail for both replies");

        // The link, opened on a phone: the page gets a one-time code (never a token: #27), which the widget
        // exchanges for a token of the phone's own; the conversation named; once.
        String link = link(text);
        HttpResponse<String> opened = get(link);
        assertEquals(303, opened.statusCode(), opened.body());
        String location = opened.headers().firstValue("Location").orElseThrow();
        assertTrue(location.startsWith("https://www.acme.example/help#switchboard-continue="), location);
        assertTrue(location.endsWith("&switchboard-conversation=" + chat.id()), location);
        assertFalse(location.contains("switchboard-token") || location.contains("v_"), "no token in the address: " + location);
        assertTrue(opened.headers().allValues("Set-Cookie").isEmpty(), "no session set by the redirect");
        String code = java.net.URLDecoder.decode(location.replaceAll(".*switchboard-continue=([^&]+).*", "$1"), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(401, chat.api().get(code, "/api/visitors/me").statusCode(), "the code is not a token");
        HttpResponse<String> exchanged = chat.api().request("POST", "/api/visitors/handoff", null, Json.object().put("code", code).toString());
        assertEquals(200, exchanged.statusCode(), exchanged.body());
        JsonNode handedOver = Json.parse(exchanged.body());
        assertEquals(chat.id(), handedOver.get("conversationId").asLong());
        String phone = handedOver.get("token").asText();
        assertTrue(!phone.equals(chat.visitorToken()), "a token of the phone's own");
        assertTrue(exchanged.headers().firstValue("Set-Cookie").orElse("").startsWith("sb_visitor="));
        assertEquals(chat.visitor().id(), Json.parse(Api.expect(200, chat.api().get(phone, "/api/visitors/me")).body()).get("id").asLong());
        HttpResponse<String> again = chat.api().request("POST", "/api/visitors/handoff", null, Json.object().put("code", code).toString());
        assertEquals(403, again.statusCode(), "a code works once: " + again.body());
        assertEquals("invalid_link", Json.parse(again.body()).get("error").asText());
        String history = Api.expect(200, chat.api().get(phone, "/api/conversations/" + chat.id() + "/messages")).body();
        assertTrue(history.contains("First message") && history.contains("Tracking: 1Z999"), "the history, on the phone: " + history);
        assertEquals(403, get(link).statusCode(), "a link works once");
        assertEquals(403, get(link.substring(0, link.length() - 2) + (link.endsWith("AA") ? "BB" : "AA")).statusCode(), "tampered");

        // Read in time: nothing is mailed. Not read: one more e-mail, whose link has expired by the time it is used.
        long seq = chat.send(agent, "r3-" + chat.id(), "Anything else?").get("seq").asLong();
        Api.expect(200, chat.api().request("POST", "/api/conversations/" + chat.id() + "/read", chat.visitorToken(),
                "{\"seq\":" + seq + "}"));
        await().atMost(WAIT).until(() -> "skipped".equals(lastState(chat.id(), "replies")));
        awaitSettled(chat.id());
        assertEquals(1, to("zoe@example.test").size(), "replies read in time are not mailed");
        chat.send(agent, "r4-" + chat.id(), "Hello?");
        MimeMessage second = await().atMost(WAIT).until(() -> to("zoe@example.test"), l -> l.size() == 2).get(1);
        assertEquals("New reply from " + adminName(chat), second.getSubject());
        // A second link opened: its code expires within minutes; an expired one gives nothing.
        String secondLink = link(part(second, "text/plain"));
        String secondCode = get(secondLink).headers().firstValue("Location").orElseThrow().replaceAll(".*switchboard-continue=([^&]+).*", "$1");
        execute("update visitor_handoff set expires_at = now() - interval '1 second'");
        assertEquals(403, chat.api().request("POST", "/api/visitors/handoff", null, Json.object().put("code",
                java.net.URLDecoder.decode(secondCode, java.nio.charset.StandardCharsets.UTF_8)).toString()).statusCode(), "an expired code");
        chat.send(agent, "r5-" + chat.id(), "Still there?");
        MimeMessage third = await().atMost(WAIT).until(() -> to("zoe@example.test"), l -> l.size() == 3).get(2);
        execute("update email_link set expires_at = now() - interval '1 second' where used_at is null");
        assertEquals(403, get(link(part(third, "text/plain"))).statusCode(), "an expired link");
    }

    @Test
    void transcriptsComeInTheVisitorsLanguageOnRequestAndOnResolve() throws Exception {
        Chat chat = named("李雷 <script>alert(1)</script>", "lilei@example.test");
        Api.expect(204, chat.api().request("PUT", "/api/visitors/me/context", chat.visitorToken(), "{\"language\":\"zh-CN\"}"));
        String agent = chat.api().agentToken();
        chat.send(agent, "t1-" + chat.id(), "您好！<img src=x onerror=alert(1)>");
        chat.send(agent, "note-" + chat.id(), "x"); // a second reply; a private note is never in a transcript:
        Api.expect(201, chat.api().request("POST", "/api/conversations/" + chat.id() + "/messages", agent,
                Json.object().put("clientMsgId", "n1-" + chat.id()).put("text", "INTERNAL NOTE").put("internal", true).toString()));
        JsonNode queued = Json.parse(Api.expect(202, chat.api().request("POST", "/api/conversations/" + chat.id() + "/transcript",
                chat.visitorToken(), null)).body());
        assertTrue(queued.get("awaitingConfirmation").asBoolean(), "an address the visitor typed is confirmed first: " + queued);
        confirmAddress("lilei@example.test", "请确认您的电子邮箱");
        MimeMessage transcript = await().atMost(WAIT).until(() -> withSubject("lilei@example.test", "对话 #" + chat.id() + " 的记录"),
                l -> !l.isEmpty()).get(0);
        String text = part(transcript, "text/plain");
        String html = part(transcript, "text/html");
        assertTrue(text.contains("以下是您的对话") && text.contains("您好！<img src=x onerror=alert(1)>"), text);
        assertTrue(html.contains("lang=\"zh-CN\""));
        assertTrue(html.contains("&lt;img src=x onerror=alert(1)&gt;") && !html.contains("<img"), html);
        assertTrue(html.contains("李雷 &lt;script&gt;alert(1)&lt;/script&gt;") && !html.contains("<script"), html);
        assertFalse(text.contains("INTERNAL NOTE") || html.contains("INTERNAL NOTE"), "no private note");
        // An agent asks for one too; resolving sends one (transcript-on-resolve).
        Api.expect(202, chat.api().request("POST", "/api/conversations/" + chat.id() + "/transcript", agent, null));
        Api.expect(200, chat.api().request("POST", "/api/conversations/" + chat.id() + "/status", agent, "{\"status\":\"resolved\"}"));
        await().atMost(WAIT).until(() -> withSubject("lilei@example.test", "对话 #" + chat.id() + " 的记录").size() == 3);
        // No address: nothing to send to, said clearly.
        Chat anonymous = Chat.start(base);
        HttpResponse<String> refused = anonymous.api().request("POST", "/api/conversations/" + anonymous.id() + "/transcript",
                anonymous.visitorToken(), null);
        assertEquals(409, refused.statusCode(), refused.body());
        assertEquals("email_unavailable", Json.parse(refused.body()).get("error").asText());
        assertEquals(404, chat.api().request("POST", "/api/conversations/" + chat.id() + "/transcript", anonymous.visitorToken(), null)
                .statusCode(), "not someone else's conversation");
    }

    @Test
    void unsubscribingStopsEveryEmailToTheVisitor() throws Exception {
        Chat chat = named("Ugo", "ugo@example.test");
        Api.expect(202, chat.api().request("POST", "/api/conversations/" + chat.id() + "/transcript", chat.visitorToken(), null));
        MimeMessage mail = await().atMost(WAIT).until(() -> to("ugo@example.test"), l -> l.size() == 1).get(0);
        String unsubscribe = mail.getHeader("List-Unsubscribe")[0].replaceAll("^<https://chat\\.acme\\.example|>$", "");
        HttpResponse<String> page = get(unsubscribe);
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<form method=\"post\""), "a page with a button: opening the link changes nothing");
        assertEquals(403, get(unsubscribe.replaceAll("t=[^&]+", "t=wrong")).statusCode());
        HttpResponse<String> done = post(unsubscribe);
        assertEquals(200, done.statusCode(), done.body());
        chat.send(chat.api().agentToken(), "u1-" + chat.id(), "Are you still there?");
        HttpResponse<String> refused = chat.api().request("POST", "/api/conversations/" + chat.id() + "/transcript", chat.visitorToken(), null);
        assertEquals(409, refused.statusCode());
        awaitSettled(chat.id());
        assertEquals(1, to("ugo@example.test").size(), "nothing after unsubscribing");
        assertEquals(null, lastState(chat.id(), "replies"), "nothing is even queued for a visitor who unsubscribed");
    }

    @Test
    void aMessageLeftWhileNobodyIsOnlineAlertsTheTeamOnce() throws Exception {
        Chat chat = named("Olu", "olu@example.test");
        MimeMessage alert = await().atMost(WAIT).until(() -> to("team@acme.example").stream()
                .filter(m -> subject(m).endsWith("(#" + chat.id() + ")")).toList(), l -> !l.isEmpty()).get(0);
        assertEquals("New message from Olu while nobody was online (#" + chat.id() + ")", alert.getSubject());
        String text = part(alert, "text/plain");
        assertTrue(text.contains("Olu <olu@example.test> wrote while no agent was online") && text.contains("First message"), text);
        assertTrue(text.contains("https://chat.acme.example/console/#/c/" + chat.id()), text);
        chat.send(chat.visitorToken(), "o2-" + chat.id(), "Hello? Anyone?");
        awaitSettled(chat.id());
        assertEquals(1, to("team@acme.example").stream().filter(m -> subject(m).endsWith("(#" + chat.id() + ")")).count(),
                "one alert an hour per conversation");
    }

    @Test
    void aMailServerThatIsAwayIsRetriedAndAnAddressItRefusesIsRecordedNotRetried() throws Exception {
        Chat chat = verified(named("Rae", "rae@example.test"));
        GreenMailResource.stopServer();
        try {
            Api.expect(202, chat.api().request("POST", "/api/conversations/" + chat.id() + "/transcript", chat.visitorToken(), null));
            await().atMost(WAIT).until(() -> attempts(chat.id(), "transcript") >= 2);
            assertEquals("pending", lastState(chat.id(), "transcript"), "still to be sent; the send itself went through at once");
        } finally {
            GreenMailResource.startServer();
        }
        await().atMost(WAIT).until(() -> to("rae@example.test").size() == 1);
        assertEquals("sent", lastState(chat.id(), "transcript"));

        // A server that refuses the address for good (550): recorded once, the visitor's address marked.
        GreenMailResource.stopServer();
        try (ServerSocket refusing = new ServerSocket(GreenMailResource.port(), 50, InetAddress.getByName("127.0.0.1"))) {
            Thread smtp = new Thread(() -> refuse(refusing), "refusing-smtp");
            smtp.setDaemon(true);
            smtp.start();
            Api.expect(202, chat.api().request("POST", "/api/conversations/" + chat.id() + "/transcript", chat.visitorToken(), null));
            await().atMost(WAIT).until(() -> "bounced".equals(lastState(chat.id(), "transcript")));
            smtp.interrupt();
        } finally {
            GreenMailResource.startServer();
        }
        assertEquals(1, attempts(chat.id(), "transcript"), "a permanent refusal is not retried");
        HttpResponse<String> refused = chat.api().request("POST", "/api/conversations/" + chat.id() + "/transcript", chat.visitorToken(), null);
        assertEquals(409, refused.statusCode());
        assertTrue(Json.parse(refused.body()).get("message").asText().contains("550"), refused.body());
    }

    /**
     * An e-mail the mail server keeps refusing for now (it is away) is tried {@code max-attempts} times in all,
     * then given up (failed) and never sent, even when the server is back; a new request is a new e-mail.
     */
    @Test
    void anEmailThatKeepsFailingIsGivenUpAfterItsLastAttemptAndNotSentLater() throws Exception {
        Chat chat = verified(named("Ivo", "ivo@example.test"));
        awaitSettled(chat.id());
        GreenMailResource.stopServer();
        try {
            Api.expect(202, chat.api().request("POST", "/api/conversations/" + chat.id() + "/transcript", chat.visitorToken(), null));
            await().atMost(WAIT).until(() -> attempts(chat.id(), "transcript") >= 1);
            // It has been failing for a long time: one attempt is left, and it is due now.
            execute("update email_outbox set attempts = " + (MAX_ATTEMPTS - 1) + ", not_before = now() where conversation_id = "
                    + chat.id() + " and kind = 'transcript' and state = 'pending'");
            await().atMost(WAIT).until(() -> "failed".equals(lastState(chat.id(), "transcript")));
            assertEquals(MAX_ATTEMPTS, attempts(chat.id(), "transcript"), "given up after its last attempt");
        } finally {
            GreenMailResource.startServer();
        }
        // The server is back: the e-mail given up stays given up; asking again sends one.
        Api.expect(202, chat.api().request("POST", "/api/conversations/" + chat.id() + "/transcript", chat.visitorToken(), null));
        await().atMost(WAIT).until(() -> to("ivo@example.test").size() == 1);
        awaitSettled(chat.id());
        assertEquals(1, to("ivo@example.test").size(), "the e-mail given up was not sent after all");
        assertEquals(1, count("select count(*) from email_outbox where conversation_id = " + chat.id() + " and state = 'failed'"));
    }

    /** The links in e-mails are secrets: neither a continue link's token nor an unsubscribe signature is ever logged. */
    @Test
    void theLinksInEmailsNeverReachTheLog() throws Exception {
        Chat chat = named("Lia", "lia@example.test");
        chat.send(chat.api().agentToken(), "lr-" + chat.id(), "A reply with a link");
        MimeMessage mail = await().atMost(WAIT).until(() -> to("lia@example.test"), l -> l.size() == 1).get(0);
        String link = link(part(mail, "text/plain"));
        String unsubscribe = mail.getHeader("List-Unsubscribe")[0].replaceAll("^<https://chat\\.acme\\.example|>$", "");
        HttpResponse<String> continued = get(link);
        assertEquals(303, continued.statusCode());
        String code = continued.headers().firstValue("Location").orElseThrow().replaceAll(".*switchboard-continue=([^&]+).*", "$1");
        Api.expect(200, chat.api().request("POST", "/api/visitors/handoff", null, Json.object().put("code",
                java.net.URLDecoder.decode(code, java.nio.charset.StandardCharsets.UTF_8)).toString()));
        assertEquals(403, get(link).statusCode(), "used once");
        assertEquals(200, get(unsubscribe).statusCode());
        assertEquals(403, get(unsubscribe.replaceAll("t=[^&]+", "t=wrong-signature")).statusCode());
        String token = link.substring(link.indexOf("t=") + 2);
        String signature = unsubscribe.replaceAll(".*[?&]t=([^&]+).*", "$1");
        TestLogs.assertContainsNone("an e-mail link's secret", token, signature, code);
    }

    private int count(String sql) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql); var r = s.executeQuery()) {
            r.next();
            return r.getInt(1);
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    /** A visitor with a name and an address, and a conversation with one message from them. */
    /**
     * #27: transcripts go only to a verified address. An anonymous visitor who types someone else's address gets
     * a confirmation sent there (nothing of the conversation, nothing the visitor wrote), never the transcript;
     * budgets per visitor, per address and per source hold; the site's signed identity's address needs no
     * confirmation; a changed address is unverified again; transcript-on-resolve never goes to an unverified one.
     */
    @Test
    void transcriptsGoOnlyToAVerifiedAddress() throws Exception {
        String victim = "victim" + System.nanoTime() + "@example.test";
        Chat attacker = named("Click http://evil.example to win", victim);
        String transcript = "/api/conversations/" + attacker.id() + "/transcript";
        for (int i = 0; i < 5; i++) { // the visitor's budget: 5 a day
            JsonNode queued = Json.parse(Api.expect(202, attacker.api().request("POST", transcript, attacker.visitorToken(), null)).body());
            assertTrue(queued.get("awaitingConfirmation").asBoolean());
        }
        HttpResponse<String> sixth = attacker.api().request("POST", transcript, attacker.visitorToken(), null);
        assertEquals(429, sixth.statusCode(), sixth.body());
        assertEquals("rate_limited", Json.parse(sixth.body()).get("error").asText());
        MimeMessage confirmation = await().atMost(WAIT).until(() -> to(victim), l -> l.size() == 1).get(0);
        awaitSettled(attacker.id());
        assertEquals(1, to(victim).size(), "one confirmation, however often the visitor asks");
        String text = part(confirmation, "text/plain") + part(confirmation, "text/html");
        assertFalse(text.contains("First message") || text.contains("evil.example"), "nothing the visitor wrote: " + text);
        // An agent's request to an unverified address waits for the confirmation too; resolving sends nothing.
        Api.expect(200, attacker.api().request("POST", "/api/conversations/" + attacker.id() + "/status", attacker.api().agentToken(),
                "{\"status\":\"resolved\"}"));
        // Other visitors naming the same address: 3 confirmations a day reach it, then 429.
        for (int i = 0; i < 3; i++) {
            Chat other = named("Other " + i, victim);
            HttpResponse<String> asked = other.api().request("POST", "/api/conversations/" + other.id() + "/transcript",
                    other.visitorToken(), null);
            assertEquals(i < 2 ? 202 : 429, asked.statusCode(), "visitor " + i + ": " + asked.body());
        }
        await().atMost(WAIT).until(() -> to(victim).size() == 3);
        assertEquals(3, to(victim).size(), "no transcript ever reached the unconfirmed address");
        assertEquals(0, rows("select count(*) from email_outbox o join conversation k on k.id = o.conversation_id"
                + " where k.id = " + attacker.id() + " and o.kind = 'transcript' and o.state in ('pending', 'sent')"));

        // The owner confirms (the link from one of her mails): what was held for that visitor goes out, once.
        Chat owner = named("Vera", "vera" + System.nanoTime() + "@example.test");
        String vera = Json.parse(Api.expect(200, owner.api().get(owner.visitorToken(), "/api/visitors/me")).body()).get("email").asText();
        Api.expect(202, owner.api().request("POST", "/api/conversations/" + owner.id() + "/transcript", owner.visitorToken(), null));
        confirmAddress(vera, "Confirm your e-mail address");
        await().atMost(WAIT).until(() -> withSubject(vera, "Transcript of your conversation #" + owner.id()).size() == 1);
        JsonNode direct = Json.parse(Api.expect(202, owner.api().request("POST", "/api/conversations/" + owner.id() + "/transcript",
                owner.visitorToken(), null)).body());
        assertFalse(direct.get("awaitingConfirmation").asBoolean(), "confirmed: straight to the outbox");
        await().atMost(WAIT).until(() -> withSubject(vera, "Transcript of your conversation #" + owner.id()).size() == 2);
        // A new address is nobody's until it is confirmed.
        String changed = "vera.new" + System.nanoTime() + "@example.test";
        Api.expect(200, owner.api().request("PATCH", "/api/visitors/me", owner.visitorToken(), Json.object().put("email", changed).toString()));
        assertTrue(Json.parse(Api.expect(202, owner.api().request("POST", "/api/conversations/" + owner.id() + "/transcript",
                owner.visitorToken(), null)).body()).get("awaitingConfirmation").asBoolean());

        // The site's signed identity vouches for its user's address: no confirmation.
        String signed = "signed" + System.nanoTime() + "@example.test";
        JsonNode session = Json.parse(Api.expect(201, owner.api().request("POST", "/api/visitors", null, Json.object()
                .put("identity", SiteIdentity.sign("user-" + System.nanoTime(), "Sam", signed)).toString())).body());
        String token = session.get("token").asText();
        long conversation = owner.api().conversation(token);
        owner.api().sendOk(token, conversation, "s-1", "Hello, signed in");
        assertFalse(Json.parse(Api.expect(202, owner.api().request("POST", "/api/conversations/" + conversation + "/transcript",
                token, null)).body()).get("awaitingConfirmation").asBoolean());
        await().atMost(WAIT).until(() -> withSubject(signed, "Transcript of your conversation #" + conversation).size() == 1);
        assertTrue(withSubject(signed, "Confirm your e-mail address").isEmpty());

        // One source's budget an hour (its earlier requests stand in rows of their own here).
        Chat far = named("Far", "far" + System.nanoTime() + "@example.test");
        execute("insert into email_outbox (kind, conversation_id, state, source) select 'confirm', " + far.id()
                + ", 'skipped', '127.0.0.61' from generate_series(1, " + PER_SOURCE + ")");
        FromAddress.Answer limited = FromAddress.request(base, "127.0.0.61", "POST", "/api/conversations/" + far.id() + "/transcript",
                Map.of("Authorization", "Bearer " + far.visitorToken()), null);
        assertEquals(429, limited.status(), limited.body());
        assertTrue(limited.body().contains("from this address"), limited.body());
        FromAddress.Answer elsewhere = FromAddress.request(base, "127.0.0.62", "POST", "/api/conversations/" + far.id() + "/transcript",
                Map.of("Authorization", "Bearer " + far.visitorToken()), null);
        assertEquals(202, elsewhere.status(), elsewhere.body());
    }

    /**
     * #27: the outbox is fair — one conversation's pile of due mail never delays another's. (2,000 queued mails
     * delayed a legitimate transcript and a team alert by more than three minutes.)
     */
    @Test
    void oneConversationsPileOfMailNeverDelaysAnother() throws Exception {
        Chat pile = signedIn("Pile");
        execute("insert into email_outbox (kind, conversation_id) select 'transcript', " + pile.id() + " from generate_series(1, 120)");
        Chat other = signedIn("Other");
        Api.expect(202, other.api().request("POST", "/api/conversations/" + other.id() + "/transcript", other.visitorToken(), null));
        String address = Json.parse(other.api().get(other.visitorToken(), "/api/visitors/me").body()).get("email").asText();
        await().atMost(WAIT).until(() -> withSubject(address, "Transcript of your conversation #" + other.id()).size() == 1);
        // 120 in rounds of 20 take six rounds at least; the other conversation's went in the first one after it asked.
        assertTrue(rows("select count(*) from email_outbox where conversation_id = " + pile.id() + " and state = 'pending'") > 0,
                "the other transcript went out before the pile was through");
        awaitSettled(pile.id());
    }

    /** A visitor signed in with the site's identity (its address verified), with one message. */
    private Chat signedIn(String name) {
        Api api = new Api(base);
        JsonNode session = Json.parse(Api.expect(201, api.request("POST", "/api/visitors", null, Json.object()
                .put("identity", SiteIdentity.sign("user-" + System.nanoTime(), name, name.toLowerCase() + System.nanoTime()
                        + "@example.test")).toString())).body());
        Chat chat = new Chat(api, new Api.Visitor(session.get("visitor").get("id").asLong(), session.get("token").asText()),
                api.conversation(session.get("token").asText()));
        chat.send(chat.visitorToken(), "first-" + chat.id(), "First message");
        return chat;
    }

    /** Opens the confirmation link of the newest mail with this subject to {@code address}, and presses its button. */
    private void confirmAddress(String address, String subject) throws Exception {
        MimeMessage mail = await().atMost(WAIT).until(() -> withSubject(address, subject), l -> !l.isEmpty()).get(0);
        Matcher m = CONFIRM.matcher(part(mail, "text/plain"));
        assertTrue(m.find(), part(mail, "text/plain"));
        HttpResponse<String> page = get(m.group(1));
        assertEquals(200, page.statusCode(), page.body());
        assertTrue(page.body().contains("<form method=\"post\""), "a page with a button: opening the link confirms nothing");
        HttpResponse<String> done = post(m.group(1));
        assertEquals(200, done.statusCode(), done.body());
        assertEquals(403, post(m.group(1)).statusCode(), "once");
    }

    /** The visitor's address counts as confirmed (how it gets there is transcriptsGoOnlyToAVerifiedAddress's business). */
    private Chat verified(Chat chat) throws Exception {
        execute("update visitor set email_verified_at = now() where id = " + chat.visitor().id());
        return chat;
    }

    private Chat named(String name, String email) {
        Chat chat = Chat.start(base);
        Api.expect(200, chat.api().request("PATCH", "/api/visitors/me", chat.visitorToken(),
                Json.object().put("name", name).put("email", email).toString()));
        chat.send(chat.visitorToken(), "first-" + chat.id(), "First message");
        return chat;
    }

    private static List<MimeMessage> to(String address) {
        return GreenMailResource.receivedBy(address);
    }

    private static List<MimeMessage> withSubject(String address, String subject) {
        return to(address).stream().filter(m -> subject.equals(subject(m))).toList();
    }

    private static String subject(MimeMessage m) {
        try {
            return m.getSubject();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String part(MimeMessage message, String type) throws Exception {
        return GreenMailResource.part(message, type);
    }

    private static String link(String text) {
        Matcher m = LINK.matcher(text);
        assertTrue(m.find(), text);
        return m.group(1);
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String pathAndQuery) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve(pathAndQuery))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("List-Unsubscribe=One-Click")).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String adminName(Chat chat) {
        JsonNode me = Json.parse(chat.api().get(chat.api().agentToken(), "/api/agents/me").body());
        return me.get("name").asText();
    }

    /**
     * Waits until no e-mail of this conversation is pending: what its messages queued (in their own
     * transactions, so before the sends returned) has been sent or dropped, and no further e-mail can come of them.
     */
    private void awaitSettled(long conversation) {
        await().atMost(WAIT).until(() -> {
            try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                    "select count(*) from email_outbox where conversation_id = ? and state = 'pending'")) {
                s.setLong(1, conversation);
                try (var r = s.executeQuery()) {
                    r.next();
                    return r.getLong(1) == 0;
                }
            }
        });
    }

    private String lastState(long conversation, String kind) throws Exception {
        return latest(conversation, kind, "state");
    }

    private int attempts(long conversation, String kind) throws Exception {
        String attempts = latest(conversation, kind, "attempts");
        return attempts == null ? -1 : Integer.parseInt(attempts);
    }

    /** A column of the conversation's newest e-mail of this kind (null when there is none). */
    private String latest(long conversation, String kind, String column) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                "select " + column + "::text from email_outbox where conversation_id = ? and kind = ? order by id desc limit 1")) {
            s.setLong(1, conversation);
            s.setString(2, kind);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }

    private long rows(String sql) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql); var r = s.executeQuery()) {
            r.next();
            return r.getLong(1);
        }
    }

    private void execute(String sql) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.executeUpdate();
        }
    }

    /** A minimal SMTP server that accepts the sender and refuses every recipient with 550. */
    private static void refuse(ServerSocket server) {
        while (!Thread.currentThread().isInterrupted()) {
            try (Socket client = server.accept()) {
                BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = client.getOutputStream();
                say(out, "220 refusing.example ESMTP");
                session:
                for (String line; (line = in.readLine()) != null;) {
                    String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase() : line.toUpperCase();
                    switch (verb) {
                        case "EHLO", "HELO" -> say(out, "250 refusing.example");
                        case "MAIL" -> say(out, "250 2.1.0 ok");
                        case "RCPT" -> say(out, "550 5.1.1 no such mailbox here");
                        case "RSET", "NOOP" -> say(out, "250 ok");
                        case "QUIT" -> {
                            say(out, "221 bye");
                            break session;
                        }
                        default -> say(out, "503 5.5.1 bad sequence");
                    }
                }
            } catch (Exception e) {
                return;
            }
        }
    }

    private static void say(OutputStream out, String line) throws java.io.IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }
}
