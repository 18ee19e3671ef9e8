package io.switchboard.presence;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.switchboard.conversation.TypingNotices;
import io.switchboard.identity.Caller;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Which agents view which conversation on this instance, whatever their transport, so that "Alice is
 * viewing" starts when her first connection opens the conversation and stops when her last one leaves (two
 * tabs, or a long-poll between two requests, are one viewer). One entry per (agent, conversation) with a live
 * session, plus the grace period of one that just left: bounded by the admitted connections.
 */
@ApplicationScoped
public class Viewers {

    private record Key(long agentId, long conversationId) {
    }

    private static final class Entry {
        int sessions;
        long lingering = -1;
    }

    private final Map<Key, Entry> here = new ConcurrentHashMap<>();

    @Inject TypingNotices notices;
    @Inject Vertx vertx;

    public void enter(Caller agent, long conversationId) {
        boolean[] arrived = new boolean[1];
        here.compute(new Key(agent.id(), conversationId), (key, entry) -> {
            Entry e = entry == null ? new Entry() : entry;
            arrived[0] = entry == null;
            if (e.lingering >= 0) {
                vertx.cancelTimer(e.lingering);
                e.lingering = -1;
            }
            e.sessions++;
            return e;
        });
        if (arrived[0]) {
            notices.viewing(agent, conversationId, true);
        }
    }

    /** {@code linger}: say "stopped viewing" only if no session comes back within the presence grace period. */
    public void leave(Caller agent, long conversationId, boolean linger) {
        Key key = new Key(agent.id(), conversationId);
        boolean[] left = new boolean[1];
        here.computeIfPresent(key, (k, e) -> {
            if (--e.sessions > 0) {
                return e;
            }
            if (!linger) {
                left[0] = true;
                return null;
            }
            e.lingering = vertx.setTimer(Presence.GRACE.toMillis(), t -> {
                if (here.remove(key, e)) {
                    notices.viewing(agent, conversationId, false);
                }
            });
            return e;
        });
        if (left[0]) {
            notices.viewing(agent, conversationId, false);
        }
    }

    /** A colleague just opened the conversation: tell them this agent is already here. */
    public void remind(Caller agent, long conversationId) {
        notices.viewing(agent, conversationId, true);
    }
}
