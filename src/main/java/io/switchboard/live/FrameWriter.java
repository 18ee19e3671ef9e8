package io.switchboard.live;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * A frame as JSON text. A fan-out writes equal frames for every listener in a row (the same instance, or for
 * messages an equal record per subscription), so the last answer is kept: serialisation happens once per
 * event, not once per listener.
 */
@ApplicationScoped
public class FrameWriter {

    private record Written(Frame frame, String text) {
    }

    @Inject ObjectMapper json;

    private volatile Written last = new Written(null, null);

    public String write(Frame frame) {
        Written cached = last;
        if (cached.frame() == frame || frame.equals(cached.frame())) {
            return cached.text();
        }
        try {
            String text = json.writeValueAsString(frame);
            last = new Written(frame, text);
            return text;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("frame not serialisable: " + frame.type(), e);
        }
    }
}
