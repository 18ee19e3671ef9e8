package io.switchboard.email;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.TestProfile;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.GreenMailResource;
import io.switchboard.support.Json;
import jakarta.mail.internet.MimeMessage;

/**
 * E-mail in the packaged application — the jar, and the native executable with -Dnative, where the Mailer's
 * SMTP client runs compiled: an unread reply reaches a real SMTP server, and its link continues the
 * conversation.
 */
@QuarkusIntegrationTest
@TestProfile(EmailTest.Mail.class)
class EmailIT {

    @TestHTTPResource("/")
    URI base;

    @Test
    void anUnreadReplyIsMailedAndItsLinkContinuesTheConversation() throws Exception {
        Chat chat = Chat.start(base);
        Api.expect(200, chat.api().request("PATCH", "/api/visitors/me", chat.visitorToken(),
                Json.object().put("name", "Ines").put("email", "ines@example.test").toString()));
        chat.send(chat.visitorToken(), "i-1", "Hello");
        chat.send(chat.api().agentToken(), "i-a-" + chat.id(), "Hi Ines <3");
        MimeMessage mail = await().atMost(Duration.ofSeconds(30)).until(() -> GreenMailResource.receivedBy("ines@example.test"),
                l -> !l.isEmpty()).get(0);
        String content = GreenMailResource.part(mail, "text/plain");
        assertTrue(content.contains("Hi Ines <3"), content);
        Matcher link = Pattern.compile("https://chat\\.acme\\.example(/api/email/continue\\?t=[A-Za-z0-9_-]+)").matcher(content);
        assertTrue(link.find(), content);
        HttpResponse<String> opened = HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve(link.group(1))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(303, opened.statusCode());
        String code = opened.headers().firstValue("Location").orElseThrow().replaceAll(".*switchboard-continue=([^&]+).*", "$1");
        String token = Json.parse(Api.expect(200, chat.api().request("POST", "/api/visitors/handoff", null,
                Json.object().put("code", java.net.URLDecoder.decode(code, java.nio.charset.StandardCharsets.UTF_8)).toString())).body())
                .get("token").asText();
        assertEquals(chat.visitor().id(), Json.parse(Api.expect(200, chat.api().get(token, "/api/visitors/me")).body()).get("id").asLong());
    }
}
