package io.switchboard.support;

import java.net.URI;
import java.net.http.HttpRequest;

import com.fasterxml.jackson.databind.JsonNode;

/** An EventSource in Java: reconnects with {@code Last-Event-ID} like a browser does. */
public final class SseClient extends StreamReceiver {

    private String id;
    private String event;
    private final StringBuilder data = new StringBuilder();
    private final boolean useLastEventId;
    private final String fixedPath;

    private SseClient(java.util.List<URI> base, String token, long conversationId, long after, boolean useLastEventId) {
        this(base, token, conversationId, after, useLastEventId, null);
    }

    private SseClient(java.util.List<URI> base, String token, long conversationId, long after, boolean useLastEventId,
            String fixedPath) {
        super(base, token, conversationId, after);
        this.useLastEventId = useLastEventId;
        this.fixedPath = fixedPath;
    }

    /** An agent's feed ({@code /api/feed/events}): conversation, activity and presence events. */
    public static SseClient feed(URI base, String token) {
        SseClient client = new SseClient(java.util.List.of(base), token, 0, 0, false, "/api/feed/events");
        client.begin();
        return client;
    }

    /** Opens with {@code ?after=}. */
    public static SseClient following(URI base, String token, long conversationId, long after) {
        SseClient client = new SseClient(java.util.List.of(base), token, conversationId, after, false);
        client.begin();
        return client;
    }

    /** Opens with a {@code Last-Event-ID} header instead of {@code ?after=}, as a reconnecting browser does. */
    public static SseClient resuming(URI base, String token, long conversationId, long lastEventId) {
        SseClient client = new SseClient(java.util.List.of(base), token, conversationId, lastEventId, true);
        client.begin();
        return client;
    }

    /** An EventSource that fails over between replicas, resuming with Last-Event-ID. */
    public static SseClient failingOver(java.util.List<URI> bases, String token, long conversationId, long after) {
        SseClient client = new SseClient(bases, token, conversationId, after, true);
        client.begin();
        return client;
    }

    @Override
    protected String path(long conversationId, long cursor) {
        if (fixedPath != null) {
            return fixedPath;
        }
        return "/api/conversations/" + conversationId + "/events" + (useLastEventId ? "" : "?after=" + cursor);
    }

    @Override
    protected void decorate(HttpRequest.Builder request, long cursor) {
        if (useLastEventId) {
            request.header("Last-Event-ID", Long.toString(cursor));
        }
    }

    @Override
    protected void line(String line) {
        if (line.isEmpty()) {
            if (data.length() > 0) {
                raw.add(data.toString());
                JsonNode payload = Json.parse(data.toString());
                events.add(Json.object().put("event", event == null ? "message" : event).put("id", id)
                        .set("data", payload));
                if ("message".equals(event)) {
                    received.add(Received.of(payload.get("message"))); // the data is the frame (protocol 2)
                }
            }
            id = null;
            event = null;
            data.setLength(0);
        } else if (line.startsWith("id:")) {
            id = line.substring(3).trim();
        } else if (line.startsWith("event:")) {
            event = line.substring(6).trim();
        } else if (line.startsWith("data:")) {
            data.append(line.substring(5).trim());
        }
    }

    @Override
    public String transport() {
        return "sse";
    }
}
