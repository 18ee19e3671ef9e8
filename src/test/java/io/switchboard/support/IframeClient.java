package io.switchboard.support;

import java.net.URI;

import com.fasterxml.jackson.databind.JsonNode;

/** A hidden-iframe client: reads the script chunks and reopens the frame from its cursor when told to. */
public final class IframeClient extends StreamReceiver {

    private static final String PREFIX = "parent.switchboardFrame(";
    private static final String SUFFIX = ");</script>";
    private final java.util.List<String> unsafe = new java.util.concurrent.CopyOnWriteArrayList<>();

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

    /**
     * Reads one script chunk as a browser's HTML tokenizer does: the script's text ends at the first
     * {@code </script} in any case, and {@code <!--} inside it changes how the rest is read. A chunk whose frame
     * text has either, or a raw U+2028/U+2029 (a line break to older JavaScript engines), is recorded in
     * {@link #unsafeChunks()} and not taken as a frame: a browser would not have run it as sent.
     */
    @Override
    protected void line(String line) {
        int start = line.indexOf(PREFIX);
        if (start < 0) {
            return;
        }
        int scriptEnd = line.toLowerCase(java.util.Locale.ROOT).indexOf("</script", start);
        String script = scriptEnd < 0 ? line.substring(start) : line.substring(start, scriptEnd);
        if (scriptEnd < 0 || !line.startsWith(SUFFIX, scriptEnd - 2) || script.contains("<!--")
                || script.indexOf('\u2028') >= 0 || script.indexOf('\u2029') >= 0) {
            unsafe.add(line);
            return;
        }
        String json = line.substring(start + PREFIX.length(), scriptEnd - 2);
        raw.add(json);
        JsonNode frame = Json.parse(json);
        events.add(frame);
        if (frame.get("type").asText().equals("message")) {
            received.add(Received.of(frame.get("message")));
        }
    }

    /** Chunks a browser would have cut or misread (see {@link #line}); none, from a correct server. */
    public java.util.List<String> unsafeChunks() {
        return java.util.List.copyOf(unsafe);
    }

    @Override
    public String transport() {
        return "iframe";
    }
}
