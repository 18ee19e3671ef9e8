package io.switchboard.support;

import java.net.URI;

import com.fasterxml.jackson.databind.JsonNode;

/** A hidden-iframe client: reads the script chunks and reopens the frame from its cursor when told to. */
public final class IframeClient extends StreamReceiver {

    private static final String PREFIX = "parent.switchboardFrame(";
    private static final String SUFFIX = ");</script>";

    private IframeClient(java.util.List<URI> base, String token, long conversationId, long after) {
        super(base, token, conversationId, after);
    }

    public static IframeClient following(URI base, String token, long conversationId, long after) {
        IframeClient client = new IframeClient(java.util.List.of(base), token, conversationId, after);
        client.begin();
        return client;
    }

    public static IframeClient failingOver(java.util.List<URI> bases, String token, long conversationId, long after) {
        IframeClient client = new IframeClient(bases, token, conversationId, after);
        client.begin();
        return client;
    }

    @Override
    protected String path(long conversationId, long cursor) {
        return "/api/conversations/" + conversationId + "/iframe-stream?after=" + cursor;
    }

    @Override
    protected void line(String line) {
        int start = line.indexOf(PREFIX);
        int end = line.lastIndexOf(SUFFIX);
        if (start < 0 || end < start) {
            return;
        }
        raw.add(line.substring(start + PREFIX.length(), end));
        JsonNode frame = Json.parse(line.substring(start + PREFIX.length(), end));
        events.add(frame);
        if (frame.get("type").asText().equals("message")) {
            received.add(Received.of(frame.get("message")));
        }
    }

    @Override
    public String transport() {
        return "iframe";
    }
}
