package io.switchboard.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.switchboard.support.Api;
import io.switchboard.support.Json;
import io.switchboard.support.TestCertificate;
import io.switchboard.support.WsClient;

@QuarkusTest
@TestProfile(TlsProfile.class)
class TlsTest {

    @TestHTTPResource(value = "/", tls = true)
    URI https;

    @Test
    void aWssClientTalksToTheServiceOverTls() {
        assertEquals("https", https.getScheme());
        SSLContext trust = TestCertificate.trustingContext();
        Api api = new Api(https, trust);
        HttpResponse<String> created = api.request("POST", "/api/visitors", null, "{}");
        assertEquals(201, created.statusCode());
        String cookie = created.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(cookie.contains("Secure") && cookie.contains("HttpOnly"), cookie);

        Api.Visitor visitor = api.newVisitor();
        long conversation = api.conversation(visitor.token());
        try (WsClient wss = WsClient.connectTls(https, "visitor", visitor.token(), trust)) {
            assertTrue(WsClient.uri(https, "visitor").toString().startsWith("wss://"));
            wss.send(io.switchboard.support.Json.object().put("type", "resume").put("conversationId", conversation));
            wss.sendMessage(conversation, "tls-1", "over wss");
            api.sendOk(visitor.token(), conversation, "tls-2", "over https");
            org.awaitility.Awaitility.await().until(() -> wss.received().size() == 2);
            assertEquals("over https", wss.received().get(1).text());
        }
    }

    /** A client offering h2 in ALPN (browsers, OkHttp, URLSession) gets HTTP/1.1, and its POSTs are served. */
    @Test
    void aClientOfferingHttp2IsServedOverHttp11() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .sslContext(TestCertificate.trustingContext()).build();
        HttpResponse<String> visitor = http.send(HttpRequest.newBuilder(https.resolve("/api/visitors"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, visitor.statusCode(), visitor.body());
        HttpResponse<String> started = http.send(HttpRequest.newBuilder(https.resolve("/api/conversations"))
                .header("Authorization", "Bearer " + Json.parse(visitor.body()).get("token").asText())
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, started.statusCode(), started.body());
        assertEquals(HttpClient.Version.HTTP_1_1, started.version());
    }
}
