package io.switchboard.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Json;

/**
 * Clients that prefer HTTP/2 (the JDK's HttpClient by default, OkHttp, URLSession) send bodies with and
 * without a Content-Length, and every request is served. Found by the benchmark's fixture: over HTTP/2 every
 * authenticated POST was answered 500 "Request has already been read" (a Quarkus REST defect, see
 * application.properties); the service now answers such clients in HTTP/1.1 (and over TLS, see TlsTest).
 */
@QuarkusTest
class Http2Test {

    @TestHTTPResource("/")
    URI base;

    @Test
    void clientsPreferringHttp2AreServedWithAndWithoutADeclaredLength() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        HttpResponse<String> visitor = http.send(post("/api/visitors", HttpRequest.BodyPublishers.ofString("{}"), null),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, visitor.statusCode(), visitor.body());
        String token = Json.parse(visitor.body()).get("token").asText();

        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        for (HttpRequest.BodyPublisher publisher : List.of(HttpRequest.BodyPublishers.ofByteArray(body),
                // no declared length: chunked
                HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofByteArray(body)))) {
            HttpResponse<String> started = http.send(post("/api/conversations", publisher, token),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, started.statusCode(), started.body()); // the visitor's current conversation
            assertEquals(HttpClient.Version.HTTP_1_1, started.version(), "the h2c upgrade is declined");
        }
    }

    private HttpRequest post(String path, HttpRequest.BodyPublisher body, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(body);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return request.build();
    }
}
