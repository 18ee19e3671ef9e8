package io.switchboard.conversation;

import java.time.Duration;

import org.jboss.logging.Logger;

import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.event.Event;
import io.switchboard.event.EventPublisher;
import io.switchboard.identity.Caller;
import io.switchboard.security.RateLimiter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** "X is typing" and "Y is viewing": checked, rate limited, fanned out to every replica, never stored. */
@ApplicationScoped
public class TypingNotices {

    private static final Logger LOG = Logger.getLogger(TypingNotices.class);
    private static final Duration STORE_TIMEOUT = Duration.ofSeconds(10);

    @Inject
    ConversationReader conversations;

    @Inject
    EventPublisher events;

    @Inject
    RateLimiter limiter;

    /** Blocking (a worker thread): the caller is told when the notice was refused. */
    public void announce(Caller caller, long conversationId, String state) {
        if (!"start".equals(state) && !"stop".equals(state)) {
            throw new ApiException(ErrorCode.INVALID_STATE, "state is start or stop");
        }
        limiter.acquire(RateLimiter.Action.typing, caller.key());
        conversations.visibleTo(caller, conversationId).await().atMost(STORE_TIMEOUT);
        events.publishNow(new Event.Typing(conversationId, caller.author(), "start".equals(state)))
                .await().atMost(STORE_TIMEOUT);
    }

    /** An agent opened or left a conversation, for colleagues' collision awareness. Non-blocking. */
    public void viewing(Caller agent, long conversationId, boolean viewing) {
        events.publishNow(new Event.Viewing(conversationId, agent.author(), viewing)).subscribe().with(v -> {
        }, failure -> LOG.debugf("viewing notice not published: %s", failure.getClass().getSimpleName()));
    }
}
