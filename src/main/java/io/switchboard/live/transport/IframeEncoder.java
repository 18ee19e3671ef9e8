package io.switchboard.live.transport;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import io.switchboard.config.SwitchboardConfig;
import io.switchboard.live.Frame;
import io.switchboard.live.FrameWriter;

/**
 * One forever-frame document: padding first, so old browsers render early, then one
 * {@code <script nonce>parent.fn(frame);</script>} per frame. After {@code max-bytes} or {@code max-duration}
 * it ends with a {@code reconnect} frame carrying the cursor, so the document cannot grow without bound.
 */
final class IframeEncoder implements EventStream.Encoder<String> {

    private final FrameWriter frames;
    private final SwitchboardConfig.Iframe config;
    private final String function;
    private final String nonce;
    private long cursor;
    private long bytes;

    IframeEncoder(FrameWriter frames, SwitchboardConfig.Iframe config, String function, String nonce, long after) {
        this.frames = frames;
        this.config = config;
        this.function = function;
        this.nonce = nonce;
        this.cursor = after;
    }

    String nonce() {
        return nonce;
    }

    @Override
    public List<String> opening(long after) {
        return List.of("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>switchboard</title></head><body>\n<!-- "
                + " ".repeat(Math.max(0, config.padding())) + " -->\n", encode(new Frame.Open(after)));
    }

    @Override
    public String encode(Frame frame) {
        if (frame instanceof Frame.Message m) {
            cursor = m.message().seq();
        }
        String chunk = "<script nonce=\"" + nonce + "\">parent." + function + "(" + scriptSafe(frames.write(frame))
                + ");</script>\n";
        bytes += chunk.getBytes(StandardCharsets.UTF_8).length;
        return chunk;
    }

    @Override
    public String heartbeat() {
        return encode(new Frame.Heartbeat());
    }

    @Override
    public List<String> closing(Frame last) {
        return List.of(encode(last), "</body></html>\n");
    }

    @Override
    public boolean spent() {
        return bytes >= config.maxBytes();
    }

    @Override
    public Frame reopen() {
        return new Frame.Reconnect(cursor);
    }

    @Override
    public Duration lifetime() {
        return config.maxDuration();
    }

    /**
     * JSON is valid JavaScript, but inside a script element {@code </script>} or {@code <!--} in a message
     * would end or confuse the element. Escaping these characters keeps message text inert.
     */
    static String scriptSafe(String json) {
        StringBuilder out = new StringBuilder(json.length() + 16);
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            switch (c) {
                case '<' -> out.append("\\u003c");
                case '>' -> out.append("\\u003e");
                case '&' -> out.append("\\u0026");
                case '\u2028' -> out.append("\\u2028");
                case '\u2029' -> out.append("\\u2029");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
