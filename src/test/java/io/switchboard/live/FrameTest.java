package io.switchboard.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** The wire frames: every one is registered for the native image, and its JSON starts with its type. */
class FrameTest {

    @Test
    void everyFrameIsRegisteredForReflection() {
        Set<Class<?>> registered = new HashSet<>(Set.of(Frame.class.getAnnotation(RegisterForReflection.class).targets()));
        assertTrue(registered.remove(Frame.class), "the interface, whose annotations Jackson reads");
        assertEquals(Set.of(Frame.class.getPermittedSubclasses()), registered);
    }

    @Test
    void theTypeIsWrittenFirstAndOnlyOnce() throws Exception {
        ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule());
        assertEquals("{\"type\":\"pong\",\"ref\":\"r1\"}", json.writeValueAsString(new Frame.Pong("r1")));
        assertEquals("{\"type\":\"heartbeat\"}", json.writeValueAsString(new Frame.Heartbeat()));
        String close = json.writeValueAsString(new Frame.Close(4000, "too slow"));
        assertTrue(close.startsWith("{\"type\":\"close\","), close);
        assertEquals(close.indexOf("\"type\""), close.lastIndexOf("\"type\""), close);
    }
}
