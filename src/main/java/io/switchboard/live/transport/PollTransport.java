package io.switchboard.live.transport;

import java.time.Duration;
import java.util.List;

import io.smallrye.mutiny.Uni;
import io.switchboard.live.LiveHub;
import io.switchboard.live.Transport;
import io.switchboard.message.MessageReader;
import io.switchboard.message.MessageView;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Short poll and long-poll, served by {@code GET /api/conversations/{id}/messages}. Both read the store by
 * cursor, so a message committed between two polls is in the next answer: there is no per-request buffer
 * to lose it from.
 */
@ApplicationScoped
public class PollTransport {

    @Inject
    MessageReader reader;

    @Inject
    LiveHub hub;

    public Uni<List<MessageView>> poll(long conversationId, long after, int limit) {
        hub.connected(Transport.poll);
        return reader.after(conversationId, after, limit).onTermination().invoke(() -> hub.disconnected(Transport.poll));
    }

    public Uni<List<MessageView>> longPoll(long conversationId, long after, int limit, Duration wait) {
        return hub.awaitAfter(conversationId, after, limit, wait);
    }
}
