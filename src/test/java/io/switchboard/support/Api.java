package io.switchboard.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;

/** A small HTTP client for the REST API, aimed at one instance. */
public final class Api {

    public static final String ADMIN = "admin";
    public static final String ADMIN_PASSWORD = "test-admin-password";

    private final URI base;
    private final HttpClient http;

    public Api(URI base) {
        this(base, null);
    }

    /** An API client that trusts the given TLS context (a self-signed test certificate). */
    public Api(URI base, javax.net.ssl.SSLContext tls) {
        this.base = base;
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5));
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.http = builder.build();
    }

    public URI base() {
        return base;
    }

    public record Visitor(long id, String token) {
    }

    public Visitor newVisitor() {
        JsonNode body = Json.parse(expect(201, request("POST", "/api/visitors", null, "{}")).body());
        return new Visitor(body.get("visitor").get("id").asLong(), body.get("token").asText());
    }

    public String agentToken() {
        return agentToken(ADMIN, ADMIN_PASSWORD);
    }

    public String agentToken(String username, String password) {
        String credentials = Json.write(java.util.Map.of("username", username, "password", password));
        return Json.parse(expect(200, request("POST", "/api/agents/login", null, credentials)).body()).get("token").asText();
    }

    /** An agent created by the admin; returns its token. */
    public String newAgent(String adminToken, String username, String name, String password) {
        String agent = Json.object().put("username", username).put("name", name).put("password", password).toString();
        expect(201, request("POST", "/api/agents", adminToken, agent));
        return agentToken(username, password);
    }

    /** The visitor's current conversation id. */
    public long conversation(String visitorToken) {
        return Json.parse(expect(200, request("POST", "/api/conversations", visitorToken, null)).body())
                .get("conversation").get("id").asLong();
    }

    public HttpResponse<String> send(String token, long conversationId, String clientMsgId, String text) {
        var body = Json.object().put("text", text);
        if (clientMsgId != null) {
            body.put("clientMsgId", clientMsgId);
        }
        return request("POST", "/api/conversations/" + conversationId + "/messages", token, body.toString());
    }

    /** Sends and returns the stored message, failing unless it was stored (201) or deduplicated (200). */
    public JsonNode sendOk(String token, long conversationId, String clientMsgId, String text) {
        HttpResponse<String> response = send(token, conversationId, clientMsgId, text);
        if (response.statusCode() != 201 && response.statusCode() != 200) {
            throw new AssertionError("send failed: " + response.statusCode() + " " + response.body());
        }
        return Json.parse(response.body()).get("message");
    }

    /** Sends with attachments (ids from {@link #upload}); text may be null. */
    public HttpResponse<String> send(String token, long conversationId, String clientMsgId, String text,
            java.util.List<String> attachments) {
        var body = Json.object().put("clientMsgId", clientMsgId);
        if (text != null) {
            body.put("text", text);
        }
        attachments.forEach(body.putArray("attachments")::add);
        return request("POST", "/api/conversations/" + conversationId + "/messages", token, body.toString());
    }

    /** Uploads {@code body} as a raw request body named {@code name}. */
    public HttpResponse<String> upload(String token, long conversationId, String name, byte[] body, String... headers) {
        return upload(token, conversationId, name, HttpRequest.BodyPublishers.ofByteArray(body), headers);
    }

    public HttpResponse<String> upload(String token, long conversationId, String name, HttpRequest.BodyPublisher body,
            String... headers) {
        String query = name == null ? "" : "?name=" + java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8);
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve("/api/conversations/" + conversationId + "/attachments" + query))
                .timeout(Duration.ofSeconds(60)).POST(body);
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        if (headers.length > 0) {
            builder.headers(headers);
        }
        return send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Uploads files as one {@code multipart/form-data} form (parts named {@code file}). */
    public HttpResponse<String> uploadForm(String token, long conversationId, String contentType, java.util.Map<String, byte[]> files) {
        String boundary = "----switchboard" + System.nanoTime();
        java.io.ByteArrayOutputStream form = new java.io.ByteArrayOutputStream();
        java.nio.charset.Charset utf8 = java.nio.charset.StandardCharsets.UTF_8;
        files.forEach((name, bytes) -> {
            form.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name
                    + "\"\r\nContent-Type: " + contentType + "\r\n\r\n").getBytes(utf8));
            form.writeBytes(bytes);
            form.writeBytes("\r\n".getBytes(utf8));
        });
        form.writeBytes(("--" + boundary + "--\r\n").getBytes(utf8));
        return upload(token, conversationId, null, HttpRequest.BodyPublishers.ofByteArray(form.toByteArray()),
                "Content-Type", "multipart/form-data; boundary=" + boundary);
    }

    /** A GET answered with bytes (attachments); {@code token} may be null (signed links). */
    public HttpResponse<byte[]> download(String token, String path, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60)).GET();
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        if (headers.length > 0) {
            builder.headers(headers);
        }
        return send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse<String> get(String token, String path) {
        return request("GET", path, token, null);
    }

    public HttpResponse<String> request(String method, String path, String token, String json) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(40));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        if (json != null) {
            builder.header("Content-Type", "application/json");
        }
        builder.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        try {
            return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static HttpResponse<String> expect(int status, HttpResponse<String> response) {
        if (response.statusCode() != status) {
            throw new AssertionError("expected " + status + " but got " + response.statusCode() + ": " + response.body());
        }
        return response;
    }
}
