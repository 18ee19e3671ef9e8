package io.switchboard.live.transport;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.smallrye.mutiny.Uni;
import io.switchboard.identity.Caller;
import io.switchboard.live.ConnectionRegistry;
import io.switchboard.live.LiveConnection;
import io.switchboard.live.LiveHub;
import io.switchboard.live.Transport;
import io.switchboard.message.MessageReader;
import io.switchboard.message.MessageView;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Short poll and long-poll, served by {@code GET /api/conversations/{id}/messages}. Both read the store by
 * cursor, so a message committed between two polls is in the next answer: there is no per-request buffer
 * to lose it from. A long-poll ends early with an empty answer when its token is revoked or the instance
 * drains.
 */
@ApplicationScoped
public class PollTransport {

    @Inject
    MessageReader reader;

    @Inject
    LiveHub hub;

    @Inject
    ConnectionRegistry registry;

    public Uni<List<MessageView>> poll(Caller caller, String tokenHash, String ip, long conversationId, long after,
            int limit) {
        LiveConnection connection = registry.admit(caller.key(), tokenHash, ip, Transport.poll, null, (code, reason) -> {
        });
        return reader.after(conversationId, after, limit).onTermination().invoke(() -> registry.release(connection));
    }

    public Uni<List<MessageView>> longPoll(Caller caller, String tokenHash, String ip, long conversationId, long after,
            int limit, Duration wait) {
        CompletableFuture<List<MessageView>> closed = new CompletableFuture<>();
        LiveConnection connection = registry.admit(caller.key(), tokenHash, ip, Transport.longpoll, caller.expiresAt(),
                (code, reason) -> closed.complete(List.of()));
        return Uni.combine().any().of(hub.awaitAfter(conversationId, after, limit, wait),
                Uni.createFrom().completionStage(closed))
                .onTermination().invoke(() -> registry.release(connection));
    }
}
