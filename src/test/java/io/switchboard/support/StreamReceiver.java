package io.switchboard.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads a streaming HTTP response line by line (SSE and the iframe stream), reopening it with the current
 * cursor when the server ends it, as a browser client would.
 */
public abstract class StreamReceiver extends LoopingReceiver {

    protected final List<JsonNode> events = new CopyOnWriteArrayList<>();
    /** Every frame's JSON text as it came off the wire (SSE data, the iframe script's argument). */
    protected final List<String> raw = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<URI> bases;
    private final String token;
    private final long conversationId;
    private volatile Stream<String> open;
    private volatile int lastStatus;
    private volatile Map<String, List<String>> lastHeaders = Map.of();
    private volatile int opened;

    protected StreamReceiver(URI base, String token, long conversationId, long after) {
        this(List.of(base), token, conversationId, after);
    }

    /** With several bases (replicas), a failed or refused connection moves on to the next one. */
    protected StreamReceiver(List<URI> bases, String token, long conversationId, long after) {
        super("stream-" + conversationId, after);
        this.bases = List.copyOf(bases);
        this.token = token;
        this.conversationId = conversationId;
    }

    @Override
    protected boolean round(long cursor) throws Exception {
        URI base = bases.get(replica() % bases.size());
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path(conversationId, cursor)));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        decorate(request, cursor);
        HttpResponse<Stream<String>> response = http.send(request.build(), HttpResponse.BodyHandlers.ofLines());
        lastStatus = response.statusCode();
        lastHeaders = response.headers().map();
        opened++;
        if (response.statusCode() == 503) { // draining, or the store is away: again in a moment, elsewhere if there is one
            response.body().close();
            nextReplica();
            return true;
        }
        if (response.statusCode() != 200) {
            response.body().close();
            return false;
        }
        open = response.body();
        try (Stream<String> lines = open) {
            lines.forEach(this::line);
        }
        return true;
    }

    @Override
    protected void interruptRound() {
        Stream<String> stream = open;
        if (stream != null) {
            stream.close();
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

    public List<String> rawFrames() {
        return List.copyOf(raw);
    }

    public List<JsonNode> events() {
        return List.copyOf(events);
    }
}
