package io.switchboard.live;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import io.switchboard.api.MessageView;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.conversation.ConversationReader;
import io.switchboard.event.Event;
import io.switchboard.event.FanoutLag;
import io.switchboard.message.MessageReader;
import io.switchboard.presence.Presence;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * This instance's view of who listens to what, and the one place where events become frames. Every
 * committed event reaches it from PostgreSQL ({@link PgFanout}), never from a local send, so a listener here
 * hears exactly what a listener on any other replica hears. Bounded by the live connections: each
 * subscription, feed entry, signal listener and long-poll waiter belongs to an admitted connection and leaves
 * with it.
 */
@ApplicationScoped
public class LiveHub {

    private static final Logger LOG = Logger.getLogger(LiveHub.class);

    private final Map<Long, Set<Subscription>> topics = new ConcurrentHashMap<>();
    private final Map<Long, Set<CompletableFuture<Boolean>>> waiters = new ConcurrentHashMap<>();
    private final Set<Sink> feed = ConcurrentHashMap.newKeySet();
    private final Map<Long, Set<Listener>> listeners = new ConcurrentHashMap<>();
    private final Map<Transport, Timer> latency = new EnumMap<>(Transport.class);
    private final Counter received;

    private final MessageReader reader;
    private final ConversationReader conversations;
    private final ConnectionRegistry registry;
    private final Presence presence;
    private final SwitchboardConfig config;
    private final FanoutLag lag;

    private static final Duration[] LATENCY_BUCKETS = Stream.of(5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
            .map(Duration::ofMillis).toArray(Duration[]::new);

    @Inject
    LiveHub(MessageReader reader, ConversationReader conversations, ConnectionRegistry registry, Presence presence,
            FanoutLag lag, SwitchboardConfig config, MeterRegistry meters) {
        this.reader = reader;
        this.lag = lag;
        this.conversations = conversations;
        this.registry = registry;
        this.presence = presence;
        this.config = config;
        for (Transport t : Transport.values()) {
            latency.put(t, Timer.builder("switchboard.delivery.latency")
                    .description("From a message's commit-side timestamp to its hand-off to a live connection")
                    // Histogram buckets (le), not client-side percentiles: they add up across replicas.
                    .tag("transport", t.name()).serviceLevelObjectives(LATENCY_BUCKETS).register(meters));
        }
        this.received = Counter.builder("switchboard.fanout.events")
                .description("Events received from PostgreSQL LISTEN/NOTIFY").register(meters);
    }

    /**
     * Follow a conversation from {@code after}: everything after it is replayed from the store, then live.
     * {@code seesNotes}: an agent's subscription; a visitor's never gets a private note.
     */
    public Subscription subscribe(long conversationId, long after, boolean seesNotes, Transport transport, Sink sink) {
        Subscription subscription = new Subscription(conversationId, after, seesNotes, sink, reader,
                config.messages().pageSize(), latency.get(transport), this::leave);
        topics.computeIfAbsent(conversationId, id -> ConcurrentHashMap.newKeySet()).add(subscription);
        subscription.catchUp();
        // Read after the subscription is registered: every change committed later arrives as a live frame.
        Uni.combine().all().unis(conversations.find(conversationId), conversations.reads(conversationId, seesNotes)).asTuple()
                .onFailure().retry().withBackOff(Duration.ofMillis(250), Duration.ofSeconds(5)).atMost(10)
                .subscribe().with(found -> found.getItem1().ifPresentOrElse(
                        view -> subscription.state(new Frame.State(conversationId, view, found.getItem2())),
                        subscription::stateUnavailable),
                        failure -> {
                            warn("state of conversation " + conversationId, failure);
                            subscription.stateUnavailable();
                        });
        return subscription;
    }

    private void leave(Subscription subscription) {
        topics.computeIfPresent(subscription.conversationId(),
                (id, set) -> set.remove(subscription) && set.isEmpty() ? null : set);
    }

    /** Agents' feed: every conversation change, message activity and presence change. */
    public void follow(Sink sink) {
        feed.add(sink);
    }

    public void unfollow(Sink sink) {
        feed.remove(sink);
    }

    /**
     * Who hears a conversation's signals (typing, read cursors, agents viewing) without following its
     * messages: the signals long-poll of a request-based client, whose messages come by cursor.
     */
    public interface Listener {
        /** An agent's (read cursors with notes, viewing) or a visitor's. */
        boolean seesNotes();

        void signal(Frame frame);
    }

    public void listen(long conversationId, Listener listener) {
        listeners.computeIfAbsent(conversationId, id -> ConcurrentHashMap.newKeySet()).add(listener);
    }

    public void unlisten(long conversationId, Listener listener) {
        listeners.computeIfPresent(conversationId, (id, set) -> set.remove(listener) && set.isEmpty() ? null : set);
    }

    /**
     * The long-poll: messages after the cursor, at once if there are any, otherwise as soon as one commits,
     * or an empty list when {@code wait} has passed. The waiter is registered before the store is read, so a
     * commit between the read and the wait still wakes it: nothing falls between two polls.
     */
    public Uni<List<MessageView>> awaitAfter(long conversationId, long after, int limit, boolean seesNotes, Duration wait) {
        return attempt(conversationId, after, limit, seesNotes, System.nanoTime() + wait.toNanos());
    }

    private Uni<List<MessageView>> attempt(long conversationId, long after, int limit, boolean seesNotes, long deadline) {
        CompletableFuture<Boolean> wake = new CompletableFuture<>();
        waiters.computeIfAbsent(conversationId, id -> ConcurrentHashMap.newKeySet()).add(wake);
        return reader.after(conversationId, after, limit, seesNotes).flatMap(found -> {
            long remaining = deadline - System.nanoTime();
            if (!found.isEmpty() || remaining <= 0) {
                return Uni.createFrom().item(found);
            }
            return Uni.createFrom().completionStage(wake)
                    .ifNoItem().after(Duration.ofNanos(remaining)).recoverWithItem(false)
                    .flatMap(woken -> woken ? attempt(conversationId, after, limit, seesNotes, deadline)
                            : Uni.createFrom().item(List.<MessageView> of()));
        }).onTermination().invoke(() -> waiters.computeIfPresent(conversationId,
                (id, set) -> set.remove(wake) && set.isEmpty() ? null : set));
    }

    private void wakeWaiters(long conversationId) {
        Set<CompletableFuture<Boolean>> woken = waiters.remove(conversationId);
        if (woken != null) {
            woken.forEach(f -> f.complete(true));
        }
    }

    /** Called by {@link PgFanout} for every committed event, on the event loop. */
    void onEvent(Event event) {
        received.increment();
        if (event instanceof Event.MessageCommitted m) {
            messageCommitted(m);
        } else if (event instanceof Event.ConversationChanged c) {
            conversations.find(c.conversationId()).subscribe().with(found -> found.ifPresent(view -> {
                Frame frame = new Frame.Conversation(view);
                toFeed(frame);
                toTopic(c.conversationId(), s -> s.push(frame));
            }), failure -> warn("conversation " + c.conversationId(), failure));
        } else if (event instanceof Event.ReadMoved r) {
            Frame forAgents = Frame.Read.of(r, true);
            Frame forVisitors = Frame.Read.of(r, false);
            toTopic(r.conversationId(), s -> s.push(s.seesNotes() ? forAgents : forVisitors));
            toListeners(r.conversationId(), l -> l.signal(l.seesNotes() ? forAgents : forVisitors));
        } else if (event instanceof Event.Typing t) {
            Frame frame = Frame.Typing.of(t);
            toTopic(t.conversationId(), s -> s.push(frame));
            toListeners(t.conversationId(), l -> l.signal(frame));
        } else if (event instanceof Event.Viewing v) {
            Frame frame = Frame.Viewing.of(v);
            toTopic(v.conversationId(), s -> s.push(frame));
            toListeners(v.conversationId(), l -> {
                if (l.seesNotes()) { // which agents have it open is the team's business, not the visitor's
                    l.signal(frame);
                }
            });
        } else if (event instanceof Event.PresenceChanged p) {
            presence.availabilityMayHaveChanged();
            presence.of(p.agentId()).subscribe().with(found -> toFeed(Frame.Presence.of(found)),
                    failure -> warn("presence of agent " + p.agentId(), failure));
        } else if (event instanceof Event.TokenRevoked r) {
            registry.revoked(r.tokenHash());
        }
    }

    /**
     * A committed message reaches local subscriptions from the payload itself; only a message too big for a
     * NOTIFY is read back from the store (a subscription that sees a gap reads by cursor anyway).
     */
    private void messageCommitted(Event.MessageCommitted m) {
        long conversationId = m.conversationId();
        lag.handled(conversationId, m.seq());
        wakeWaiters(conversationId);
        toFeed(Frame.Activity.of(m));
        if (!topics.containsKey(conversationId)) {
            return;
        }
        if (m.message() != null) {
            toTopic(conversationId, s -> s.offer(m.message()));
            return;
        }
        reader.after(conversationId, m.seq() - 1, 1, true).subscribe().with(
                found -> toTopic(conversationId, found.isEmpty() ? s -> s.hint(m.seq()) : s -> s.offer(found.get(0))),
                failure -> toTopic(conversationId, s -> s.hint(m.seq())));
    }

    /**
     * The LISTEN connection was (re)established: anything committed while it was down was not notified, so
     * every subscription reads the store from its cursor, every long-poll re-reads, and the live connections'
     * tokens are re-checked.
     */
    void resync() {
        registry.recheckTokens().subscribe().with(v -> { }, f -> { }); // a revocation may have been missed too
        topics.values().forEach(set -> set.forEach(s -> s.hint(0)));
        List.copyOf(waiters.keySet()).forEach(this::wakeWaiters);
    }

    private void toTopic(long conversationId, Consumer<Subscription> action) {
        topics.getOrDefault(conversationId, Set.of()).forEach(action);
    }

    private void toListeners(long conversationId, Consumer<Listener> action) {
        for (Listener listener : listeners.getOrDefault(conversationId, Set.of())) {
            try {
                action.accept(listener);
            } catch (RuntimeException e) {
                LOG.warnf("signal listener failed: %s", e.getClass().getSimpleName());
            }
        }
    }

    private void toFeed(Frame frame) {
        for (Sink sink : feed) {
            try {
                sink.send(frame);
            } catch (RuntimeException e) {
                LOG.warnf("feed sink failed: %s", e.getClass().getSimpleName());
            }
        }
    }

    private static void warn(String what, Throwable failure) {
        LOG.warnf("could not read %s for fan-out: %s", what, failure.getClass().getSimpleName());
    }
}
