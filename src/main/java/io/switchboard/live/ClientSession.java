package io.switchboard.live;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.identity.Caller;

/**
 * One client on any transport: what it follows (conversations by cursor, for agents the feed), who it is for
 * presence and collision awareness, and its admission, all released once when it ends. Transports only
 * decode what the client asks for, call this, and encode the {@link Frame}s that reach their {@link Sink}.
 */
public final class ClientSession {

    private final ClientSessions owner;
    private final Caller caller;
    private final Transport transport;
    private final Sink out;
    private final Map<Long, Subscription> subscriptions = new ConcurrentHashMap<>();
    private final Set<Long> viewed = ConcurrentHashMap.newKeySet();
    private final Set<Long> listened = ConcurrentHashMap.newKeySet();
    private final LiveHub.Listener signals = new Signals();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile LiveConnection admission;
    private volatile boolean following;

    ClientSession(ClientSessions owner, Caller caller, Transport transport, Sink out) {
        this.owner = owner;
        this.caller = caller;
        this.transport = transport;
        this.out = out;
    }

    void admitted(LiveConnection admission) {
        this.admission = admission;
    }

    public Caller caller() {
        return caller;
    }

    /** A reply to this client (ack, pong, error, subscribed…). */
    public void send(Frame frame) {
        out.send(frame);
    }

    /** Agents: every conversation change, message activity and presence change, for the lists. */
    public void followFeed() {
        if (caller.isAgent() && !closed.get()) {
            following = true;
            owner.hub.follow(out);
        }
    }

    /**
     * Follows a conversation from {@code after} (visibility is the transport's to check first); a resume of a
     * conversation already followed starts it again from the new cursor.
     */
    public void resume(long conversationId, long after) {
        requireRoomFor(conversationId);
        Subscription previous = subscriptions.put(conversationId,
                owner.hub.subscribe(conversationId, after, caller.isAgent(), transport, new Topic(conversationId)));
        if (previous != null) {
            previous.close();
        }
        if (closed.get()) {
            unsubscribe(conversationId);
            return;
        }
        view(conversationId);
    }

    /**
     * Hears a conversation's signals (typing, read cursors, colleagues viewing) without following its messages:
     * a request-based client reads those by cursor. Visibility is the transport's to check first.
     */
    public void listen(long conversationId) {
        if (!listened.contains(conversationId) && listened.size() >= owner.maxSubscriptions()) {
            throw new ApiException(ErrorCode.TOO_MANY_SUBSCRIPTIONS, "a connection hears at most "
                    + owner.maxSubscriptions() + " conversations");
        }
        if (listened.add(conversationId)) {
            owner.hub.listen(conversationId, signals);
        }
        if (closed.get()) {
            owner.hub.unlisten(conversationId, signals);
        }
    }

    /** Refuses a conversation beyond this connection's budget ({@code subscriptions-per-connection}). */
    public void requireRoomFor(long conversationId) {
        if (!subscriptions.containsKey(conversationId) && subscriptions.size() >= owner.maxSubscriptions()) {
            throw new ApiException(ErrorCode.TOO_MANY_SUBSCRIPTIONS, "a connection follows at most "
                    + owner.maxSubscriptions() + " conversations; unsubscribe from one first");
        }
    }

    public void unsubscribe(long conversationId) {
        Subscription subscription = subscriptions.remove(conversationId);
        if (subscription != null) {
            subscription.close();
            leave(conversationId);
        }
    }

    /** An agent has this conversation open (collision awareness), on a transport without subscriptions too. */
    public void view(long conversationId) {
        if (caller.isAgent() && viewed.add(conversationId)) {
            owner.viewers.enter(caller, conversationId);
        }
    }

    private void leave(long conversationId) {
        if (viewed.remove(conversationId)) {
            owner.viewers.leave(caller, conversationId, transport == Transport.longpoll);
        }
    }

    /** The frame's conversation; a visitor may leave it out to mean "my current conversation". Blocking. */
    public long conversationOf(Long requested) {
        if (requested != null) {
            return requested;
        }
        if (!caller.isAgent()) {
            return owner.conversations.currentFor(caller.id());
        }
        throw new ApiException(ErrorCode.INVALID_CONVERSATION_ID, "conversationId is required");
    }

    /** Ends everything this client held. Idempotent; every transport calls it when its connection ends. */
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (following) {
            owner.hub.unfollow(out);
        }
        subscriptions.keySet().forEach(this::unsubscribe);
        listened.forEach(id -> owner.hub.unlisten(id, signals));
        Set.copyOf(viewed).forEach(this::leave);
        if (caller.isAgent()) {
            owner.presence.disconnected(caller.id());
        }
        owner.registry.release(admission);
    }

    /** The signals of the conversations this client listens to; an agent's own viewing is no news to her. */
    private final class Signals implements LiveHub.Listener {
        @Override
        public boolean seesNotes() {
            return caller.isAgent();
        }

        @Override
        public void signal(Frame frame) {
            if (frame instanceof Frame.Viewing viewing && Long.valueOf(caller.id()).equals(viewing.agent().id())) {
                return;
            }
            out.send(frame);
        }
    }

    /** One followed conversation's frames, on their way to the client. */
    private final class Topic implements Sink {
        private final long conversationId;
        /** Colleagues who were told that this agent views the conversation too. */
        private final Set<Long> reminded = ConcurrentHashMap.newKeySet();

        Topic(long conversationId) {
            this.conversationId = conversationId;
        }

        @Override
        public void send(Frame frame) {
            if (frame instanceof Frame.Conversation && following) {
                return; // the feed carries it already
            }
            if (frame instanceof Frame.Viewing viewing) {
                if (!caller.isAgent()) {
                    return; // which agents have the conversation open is the team's business, not the visitor's
                }
                long colleague = viewing.agent().id();
                if (colleague == caller.id()) {
                    return;
                }
                // Viewing is ephemeral: a colleague who opens the conversation later would never hear that
                // this agent is already here, so a newcomer's "start" is answered once with our own.
                if (!viewing.started()) {
                    reminded.remove(colleague);
                } else if (reminded.add(colleague)) {
                    owner.viewers.remind(caller, conversationId);
                }
            }
            out.send(frame);
        }

        @Override
        public void close(int code, String reason) {
            out.close(code, reason);
        }

        @Override
        public boolean ready() {
            return out.ready();
        }

        @Override
        public void whenReady(Runnable next) {
            out.whenReady(next);
        }
    }
}
