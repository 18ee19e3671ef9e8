package io.switchboard.live;

import java.time.Duration;

import io.switchboard.api.ApiException;
import io.switchboard.conversation.ConversationReader;
import io.switchboard.identity.Caller;
import io.switchboard.message.AuthorKind;
import io.switchboard.message.MessageView;
import io.switchboard.security.RateLimitedException;
import io.switchboard.security.RateLimiter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** "X is typing": checked, rate limited, fanned out to every replica, never stored. Blocking (worker). */
@ApplicationScoped
public class TypingNotices {

    @Inject
    ConversationReader conversations;

    @Inject
    EventPublisher events;

    @Inject
    RateLimiter limiter;

    public void announce(Caller caller, long conversationId, String state) {
        if (!"start".equals(state) && !"stop".equals(state)) {
            throw ApiException.badRequest("invalid_state", "state is start or stop");
        }
        if (!limiter.tryAcquire(RateLimiter.Action.typing, caller.key())) {
            throw RateLimitedException.rateLimited(limiter.retryAfterSeconds(RateLimiter.Action.typing));
        }
        conversations.visibleTo(caller, conversationId).await().atMost(Duration.ofSeconds(10));
        AuthorKind kind = caller instanceof Caller.AgentCaller ? AuthorKind.agent : AuthorKind.visitor;
        Typing typing = new Typing(conversationId, new MessageView.Author(kind, caller.id(), caller.displayName()),
                "start".equals(state));
        events.typing(conversationId, typing.subject()).await().atMost(Duration.ofSeconds(10));
    }

    /** An agent opened or left a conversation, for colleagues' collision awareness. Non-blocking. */
    public void viewing(Caller.AgentCaller agent, long conversationId, boolean viewing) {
        Typing notice = new Typing(conversationId, new MessageView.Author(AuthorKind.agent, agent.id(), agent.displayName()),
                viewing);
        events.viewing(conversationId, notice.subject()).subscribe().with(v -> {
        }, failure -> {
        });
    }
}
