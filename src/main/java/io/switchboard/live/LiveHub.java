package io.switchboard.live;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.conversation.ConversationReader;
import io.switchboard.message.MessageReader;
import io.switchboard.message.MessageView;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * This instance's view of who listens to what. Every committed event reaches it from PostgreSQL
 * ({@link PgFanout}), never from a local send, so a listener here hears exactly what a listener on any other
 * replica hears. Transports are thin adapters: they authenticate, then subscribe here.
 */
@ApplicationScoped
public class LiveHub {

    private static final Logger LOG = Logger.getLogger(LiveHub.class);

    private final Map<Long, Set<Subscription>> subscriptions = new ConcurrentHashMap<>();
    private final Map<Long, Set<CompletableFuture<Boolean>>> waiters = new ConcurrentHashMap<>();
    private final Set<FeedListener> feed = ConcurrentHashMap.newKeySet();
    private final Map<Transport, Timer> latency = new EnumMap<>(Transport.class);

    private final MessageReader reader;
    private final ConversationReader conversations;
    private final SwitchboardConfig config;
    private final Vertx vertx;
    private final ConnectionRegistry registry;
    private final Counter fanoutReceived;

    @Inject
    Presence presence;

    @Inject
    LiveHub(MessageReader reader, ConversationReader conversations, SwitchboardConfig config, Vertx vertx,
            ConnectionRegistry connections, MeterRegistry registry) {
        this.registry = connections;
        this.reader = reader;
        this.conversations = conversations;
        this.config = config;
        this.vertx = vertx;
        for (Transport t : Transport.values()) {
            latency.put(t, Timer.builder("switchboard.delivery.latency")
                    .description("From a message's commit-side timestamp to its hand-off to a live connection")
                    .tag("transport", t.name()).publishPercentiles(0.5, 0.95, 0.99).register(registry));
        }
        this.fanoutReceived = Counter.builder("switchboard.fanout.events")
                .description("Events received from PostgreSQL LISTEN/NOTIFY").register(registry);
    }

    // ---- subscriptions -------------------------------------------------------------------------------

    /** Follow a conversation from {@code after}: everything after it is replayed from the store, then live. */
    public Subscription subscribe(long conversationId, long after, Transport transport, Sink sink) {
        Subscription subscription = new Subscription(this, conversationId, after, transport, sink);
        subscriptions.compute(conversationId, (id, set) -> {
            Set<Subscription> target = set == null ? ConcurrentHashMap.newKeySet() : set;
            target.add(subscription);
            return target;
        });
        subscription.catchUp();
        return subscription;
    }

    void remove(Subscription subscription) {
        subscriptions.computeIfPresent(subscription.conversationId(), (id, set) -> {
            set.remove(subscription);
            return set.isEmpty() ? null : set;
        });
    }

    public void follow(FeedListener listener) {
        feed.add(listener);
    }

    public void unfollow(FeedListener listener) {
        feed.remove(listener);
    }

    // ---- long-poll -----------------------------------------------------------------------------------

    /**
     * The long-poll: messages after the cursor, at once if there are any, otherwise as soon as one commits,
     * or an empty list when {@code wait} has passed. The waiter is registered before the store is read, so a
     * commit between the read and the wait still wakes it: nothing falls between two polls.
     */
    public Uni<List<MessageView>> awaitAfter(long conversationId, long after, int limit, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        return attempt(conversationId, after, limit, deadline);
    }

    private Uni<List<MessageView>> attempt(long conversationId, long after, int limit, long deadline) {
        CompletableFuture<Boolean> wake = new CompletableFuture<>();
        waiters.compute(conversationId, (id, set) -> {
            Set<CompletableFuture<Boolean>> target = set == null ? ConcurrentHashMap.newKeySet() : set;
            target.add(wake);
            return target;
        });
        return reader.after(conversationId, after, limit).flatMap(found -> {
            long remaining = deadline - System.nanoTime();
            if (!found.isEmpty() || remaining <= 0) {
                return Uni.createFrom().item(found);
            }
            return Uni.createFrom().completionStage(wake)
                    .ifNoItem().after(Duration.ofNanos(remaining)).recoverWithItem(false)
                    .flatMap(woken -> woken ? attempt(conversationId, after, limit, deadline)
                            : Uni.createFrom().item(List.<MessageView> of()));
        }).onTermination().invoke(() -> waiters.computeIfPresent(conversationId, (id, set) -> {
            set.remove(wake);
            return set.isEmpty() ? null : set;
        }));
    }

    private void wakeWaiters(long conversationId) {
        Set<CompletableFuture<Boolean>> woken = waiters.remove(conversationId);
        if (woken != null) {
            woken.forEach(f -> f.complete(true));
        }
    }

    // ---- events from PostgreSQL ----------------------------------------------------------------------

    /** Called by {@link PgFanout} for every committed event, on the event loop. */
    void onEvent(FanoutEvent event) {
        fanoutReceived.increment();
        long conversationId = event.conversationId();
        switch (event.kind()) {
            case message -> {
                wakeWaiters(conversationId);
                feed.forEach(l -> safely(() -> l.activity(conversationId, event.seq())));
                Set<Subscription> subs = subscriptions.get(conversationId);
                if (subs != null && !subs.isEmpty()) {
                    reader.after(conversationId, event.seq() - 1, 1).subscribe().with(found -> {
                        Set<Subscription> now = subscriptions.getOrDefault(conversationId, Set.of());
                        if (found.isEmpty()) {
                            now.forEach(s -> s.hint(event.seq()));
                        } else {
                            now.forEach(s -> s.offer(found.get(0)));
                        }
                    }, failure -> subscriptions.getOrDefault(conversationId, Set.of())
                            .forEach(this::retryLater));
                }
            }
            case revoked -> registry.revoked(event.subject());
            case presence -> presence.of(event.seq()).subscribe().with(
                    p -> feed.forEach(l -> safely(() -> l.presence(p))),
                    failure -> LOG.warnf("could not read presence: %s", failure.getClass().getSimpleName()));
            case typing -> Typing.parse(conversationId, event.subject()).ifPresent(typing -> subscriptions
                    .getOrDefault(conversationId, Set.of()).forEach(s -> s.typing(typing)));
            case viewing -> Typing.parse(conversationId, event.subject()).ifPresent(viewing -> subscriptions
                    .getOrDefault(conversationId, Set.of()).forEach(s -> s.viewing(viewing)));
            case read -> {
                String[] reader = event.subject() == null ? new String[0] : event.subject().split(":", 2);
                if (reader.length == 2) {
                    var receipt = new io.switchboard.conversation.ReadReceipt(conversationId, reader[0],
                            Long.parseLong(reader[1]), event.seq());
                    subscriptions.getOrDefault(conversationId, Set.of()).forEach(s -> s.read(receipt));
                }
            }
            case conversation -> conversations.find(conversationId).subscribe().with(found -> found.ifPresent(view -> {
                feed.forEach(l -> safely(() -> l.conversation(view)));
                subscriptions.getOrDefault(conversationId, Set.of()).forEach(s -> s.conversation(view));
            }), failure -> LOG.warnf("could not read conversation %d for fan-out: %s", conversationId,
                    failure.getClass().getSimpleName()));
        }
    }

    /**
     * The LISTEN connection was (re)established: anything committed while it was down was not notified, so
     * every subscription reads the store from its cursor and every long-poll re-reads.
     */
    void resync() {
        subscriptions.values().forEach(set -> set.forEach(s -> s.hint(0)));
        List.copyOf(waiters.keySet()).forEach(this::wakeWaiters);
    }

    void retryLater(Subscription subscription) {
        vertx.setTimer(1000, t -> subscription.catchUp());
    }

    private static void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warnf("feed listener failed: %s", e.getClass().getSimpleName());
        }
    }

    // ---- bookkeeping ---------------------------------------------------------------------------------

    void recordLatency(Transport transport, Duration duration) {
        latency.get(transport).record(Math.max(0, duration.toNanos()), TimeUnit.NANOSECONDS);
    }

    MessageReader reader() {
        return reader;
    }

    int pageSize() {
        return config.messages().pageSize();
    }
}
