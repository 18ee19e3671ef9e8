package io.switchboard.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.awaitility.Awaitility;

import com.fasterxml.jackson.databind.JsonNode;

/** A JDK WebSocket client speaking the Switchboard frame protocol; it records every frame it receives. */
public final class WsClient implements Receiver {

    private final List<JsonNode> frames = new CopyOnWriteArrayList<>();
    private final List<String> raw = new CopyOnWriteArrayList<>();
    private final WebSocket socket;
    private volatile Integer closeCode;
    private volatile Throwable failure;

    private WsClient(URI uri, String token) {
        this(uri, token, null);
    }

    private WsClient(URI uri, String token, String origin) {
        this(uri, token, origin, null);
    }

    private WsClient(URI uri, String token, String origin, javax.net.ssl.SSLContext tls) {
        var listener = new WebSocket.Listener() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    raw.add(partial.toString());
                    frames.add(Json.parse(partial.toString()));
                    partial.setLength(0);
                }
                webSocket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                closeCode = statusCode;
                return null;
            }

            @Override
            public void onError(WebSocket webSocket, Throwable error) {
                failure = error; // the connection ended without a close frame (a drop, a reset, a broken frame)
            }
        };
        try {
            HttpClient.Builder http = HttpClient.newBuilder();
            if (tls != null) {
                http.sslContext(tls);
            }
            var builder = http.build().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
            if (token != null) {
                builder.header("Authorization", "Bearer " + token);
            }
            if (origin != null) {
                builder.header("Origin", origin);
            }
            socket = builder.buildAsync(uri, listener).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("WebSocket handshake failed: " + uri, e);
        }
    }

    public static URI uri(URI base, String side) {
        return URI.create(base.toString().replaceFirst("^http", "ws").replaceAll("/$", "") + "/ws/" + side);
    }

    public static WsClient connect(URI base, String side, String token) {
        WsClient client = new WsClient(uri(base, side), token);
        client.awaitFrame(f -> f.get("type").asText().equals("hello"));
        return client;
    }

    /** Connects over TLS ({@code wss://}) trusting the given context. */
    public static WsClient connectTls(URI base, String side, String token, javax.net.ssl.SSLContext tls) {
        WsClient client = new WsClient(uri(base, side), token, null, tls);
        client.awaitFrame(f -> f.get("type").asText().equals("hello"));
        return client;
    }

    /** Opens the socket without waiting for the {@code hello} frame (to watch a refusal). */
    public static WsClient open(URI base, String side, String token) {
        return new WsClient(uri(base, side), token);
    }

    /**
     * The HTTP status with which the server refuses this handshake. Fails if the handshake is accepted, or
     * fails without an HTTP answer (a timeout, a reset): neither is a refusal.
     */
    public static int refusal(URI base, String side, String token, String origin) {
        WsClient accepted;
        try {
            accepted = new WsClient(uri(base, side), token, origin);
        } catch (IllegalStateException e) {
            Throwable cause = e.getCause();
            while (cause != null && !(cause instanceof java.net.http.WebSocketHandshakeException)) {
                cause = cause.getCause();
            }
            if (cause instanceof java.net.http.WebSocketHandshakeException refused) {
                return refused.getResponse().statusCode();
            }
            throw new AssertionError("the handshake failed without an HTTP answer: " + e.getCause(), e);
        }
        accepted.close();
        throw new AssertionError("the handshake was accepted");
    }

    /** {@link #refusal(URI, String, String, String)} without an {@code Origin} header. */
    public static int refusal(URI base, String side, String token) {
        return refusal(base, side, token, null);
    }

    /** Connects with an {@code Origin} header, as a browser page on that origin would. */
    public static WsClient connect(URI base, String side, String token, String origin) {
        WsClient client = new WsClient(uri(base, side), token, origin);
        client.awaitFrame(f -> f.get("type").asText().equals("hello"));
        return client;
    }

    public void awaitClosed(int code) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> closeCode != null);
        if (closeCode != code) {
            throw new AssertionError("closed with " + closeCode + ", expected " + code);
        }
    }

    /** Connects and resumes the conversation from {@code after}. */
    public static WsClient following(URI base, String side, String token, long conversationId, long after) {
        WsClient client = connect(base, side, token);
        client.send(Json.object().put("type", "resume").put("conversationId", conversationId).put("after", after));
        return client;
    }

    public void send(Object frame) {
        sendRaw(frame instanceof String s ? s : Json.write(frame));
    }

    public void sendRaw(String text) {
        socket.sendText(text, true).join();
    }

    public JsonNode sendMessage(long conversationId, String clientMsgId, String text) {
        String ref = "r-" + clientMsgId;
        send(Json.object().put("type", "send").put("ref", ref).put("conversationId", conversationId)
                .put("clientMsgId", clientMsgId).put("text", text));
        return awaitFrame(f -> ref.equals(f.path("ref").asText(null)) && !f.get("type").asText().equals("subscribed"));
    }

    /** Every frame's text as it came off the wire. */
    public List<String> rawFrames() {
        return List.copyOf(raw);
    }

    public List<JsonNode> frames() {
        return new ArrayList<>(frames);
    }

    public JsonNode awaitFrame(Predicate<JsonNode> match) {
        return awaitFrame(match, Duration.ofSeconds(20));
    }

    public JsonNode awaitFrame(Predicate<JsonNode> match, Duration atMost) {
        Awaitility.await().atMost(atMost).until(() -> frames.stream().anyMatch(match));
        return frames.stream().filter(match).findFirst().orElseThrow();
    }

    public Integer closeCode() {
        return closeCode;
    }

    /** Why the connection ended without a close frame, or null (open, or closed with one). */
    public Throwable failure() {
        return failure;
    }

    public boolean isOpen() {
        return !socket.isInputClosed() && !socket.isOutputClosed();
    }

    @Override
    public String transport() {
        return "websocket";
    }

    @Override
    public List<Received> received() {
        return frames.stream().filter(f -> f.get("type").asText().equals("message"))
                .map(f -> Received.of(f.get("message"))).toList();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
        socket.abort();
    }
}
