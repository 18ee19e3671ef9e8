package io.switchboard.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads a streaming HTTP response line by line on its own thread (SSE and the iframe stream), reopening it
 * with the current cursor when the server ends it, as a browser client would.
 */
public abstract class StreamReceiver implements Receiver {

    protected final List<Received> received = new CopyOnWriteArrayList<>();
    protected final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<URI> bases;
    private volatile int current;
    private final String token;
    private final long conversationId;
    private final Thread thread;
    private volatile boolean closed;
    private volatile Stream<String> open;
    private volatile int lastStatus;
    private volatile Map<String, List<String>> lastHeaders = Map.of();
    private volatile int opened;

    protected StreamReceiver(URI base, String token, long conversationId, long after) {
        this(List.of(base), token, conversationId, after);
    }

    /** With several bases (replicas), a failed or refused connection moves on to the next one. */
    protected StreamReceiver(List<URI> bases, String token, long conversationId, long after) {
        this.bases = List.copyOf(bases);
        this.token = token;
        this.conversationId = conversationId;
        this.thread = new Thread(() -> run(after), getClass().getSimpleName() + "-" + conversationId);
        this.thread.setDaemon(true);
    }

    protected void begin() {
        thread.start();
    }

    private void run(long after) {
        long cursor = after;
        while (!closed) {
            try {
                URI base = bases.get(current % bases.size());
                HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path(conversationId, cursor)));
                if (token != null) {
                    request.header("Authorization", "Bearer " + token);
                }
                decorate(request, cursor);
                HttpResponse<Stream<String>> response = http.send(request.build(), HttpResponse.BodyHandlers.ofLines());
                lastStatus = response.statusCode();
                lastHeaders = response.headers().map();
                opened++;
                if (response.statusCode() == 503 && bases.size() > 1) {
                    response.body().close();
                    current++;
                    continue;
                }
                if (response.statusCode() != 200) {
                    response.body().close();
                    return;
                }
                open = response.body();
                try (Stream<String> lines = open) {
                    lines.forEach(this::line);
                }
            } catch (Exception e) {
                if (closed) {
                    return;
                }
                current++; // unreachable: try the next replica
            }
            cursor = cursor();
            if (!closed) {
                sleep(100);
            }
        }
    }

    protected abstract String path(long conversationId, long cursor);

    protected void decorate(HttpRequest.Builder request, long cursor) {
    }

    protected abstract void line(String line);

    public int lastStatus() {
        return lastStatus;
    }

    public Map<String, List<String>> lastHeaders() {
        return lastHeaders;
    }

    /** How many times the stream was opened (reconnects after the server ended it). */
    public int opened() {
        return opened;
    }

    public List<JsonNode> events() {
        return List.copyOf(events);
    }

    @Override
    public List<Received> received() {
        return List.copyOf(received);
    }

    @Override
    public void close() {
        closed = true;
        Stream<String> stream = open;
        if (stream != null) {
            stream.close();
        }
        thread.interrupt();
    }

    /** Client pacing between requests (not a wait for a condition: tests use Awaitility for those). */
    static void sleep(long millis) {
        java.util.concurrent.locks.LockSupport.parkNanos(millis * 1_000_000L);
    }
}
