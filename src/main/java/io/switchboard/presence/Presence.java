package io.switchboard.presence;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.event.Event;
import io.switchboard.event.EventPublisher;
import io.switchboard.identity.Caller;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Agent presence across replicas, derived from live agent connections: each instance keeps a row per
 * connected agent in {@code agent_presence} and refreshes it every 10 s, so a crashed instance's rows
 * expire after 30 s. An agent is {@code online} (or {@code away}, by choice) while any instance holds a
 * connection, and {@code offline} a grace period after the last one closed (a page reload is not a
 * departure). Changes are announced through NOTIFY; the feeds then read the agent's state.
 */
@ApplicationScoped
public class Presence {

    private static final Logger LOG = Logger.getLogger(Presence.class);
    /** How long an agent who lost its last connection still counts as here (a reload, the next long-poll). */
    public static final Duration GRACE = Duration.ofSeconds(10);
    private static final String FRESH = "seen_at > now() - interval '30 seconds'";
    private static final String SELECT = "select a.id, a.display_name, a.availability, "
            + "exists (select 1 from agent_presence p where p.agent_id = a.id and p." + FRESH + ") as connected "
            + "from agent a";

    @RegisterForReflection
    public record AgentPresence(long agentId, String name, String status) {
    }

    /** The instance id under which agents on request-based transports are present ({@link #here}). */
    static final String REQUESTS = "requests";

    private final String instance = UUID.randomUUID().toString();
    private final Map<Long, AtomicInteger> local = new ConcurrentHashMap<>();
    /**
     * Widgets waiting for someone to come online (or for the last one to leave): one entry per open request,
     * removed when it ends, so the set is bounded by the instance's connection cap like every long-poll.
     */
    private final Set<CompletableFuture<Boolean>> availabilityWaiters = ConcurrentHashMap.newKeySet();

    @Inject Pool pool;
    @Inject Vertx vertx;
    @Inject EventPublisher events;

    /**
     * An agent connection opened on this instance. Only an agent who was not here already is announced: one
     * who comes back within the grace period (a page reload, the next long-poll) never left.
     */
    public void connected(long agentId) {
        boolean[] arrived = new boolean[1];
        int now = local.computeIfAbsent(agentId, id -> {
            arrived[0] = true;
            return new AtomicInteger();
        }).incrementAndGet();
        write(agentId, now).subscribe().with(v -> {
            if (arrived[0]) {
                announce(agentId);
            }
        }, this::warn);
    }

    /** An agent connection closed; after the grace period, if it was the last one, the agent's row goes. */
    public void disconnected(long agentId) {
        AtomicInteger count = local.get(agentId);
        if (count == null) {
            return;
        }
        int now = count.decrementAndGet();
        if (now > 0) {
            write(agentId, now).subscribe().with(v -> {
            }, this::warn);
            return;
        }
        vertx.setTimer(GRACE.toMillis(), t -> {
            AtomicInteger still = local.get(agentId);
            if (still != null && still.get() <= 0) {
                local.remove(agentId, still);
                pool.preparedQuery("delete from agent_presence where agent_id = $1 and instance_id = $2")
                        .execute(Tuple.of(agentId, instance)).subscribe().with(v -> announce(agentId), this::warn);
            }
        });
    }

    /**
     * An agent on a request-based transport (long-poll, short poll) holds no connection between requests:
     * its console says "here" every 10 s instead, and that counts like a connection for 30 s (the freshness
     * every instance's rows have) under one shared pseudo-instance, so it does not matter which replica each
     * request reaches. With {@code availability}, the agent's choice changes too. Announced when it makes the
     * agent appear or changes their choice.
     */
    public Uni<AgentPresence> here(Caller caller, String availability) {
        if (!caller.isAgent()) {
            return Uni.createFrom().failure(ApiException.forbidden("only agents have a presence"));
        }
        Uni<Void> choice = availability == null ? Uni.createFrom().voidItem() : setAvailability(caller, availability);
        return choice.chain(() -> pool.preparedQuery("""
                insert into agent_presence (agent_id, instance_id, connections, seen_at) values ($1, $2, 1, now())
                on conflict (agent_id, instance_id) do update set seen_at = now()
                returning (xmax = 0) as arrived""").execute(Tuple.of(caller.id(), REQUESTS)))
                .invoke(rows -> {
                    if (availability == null && rows.iterator().next().getBoolean("arrived")) {
                        announce(caller.id()); // (a changed choice was announced by setAvailability)
                    }
                })
                .chain(() -> of(caller.id()));
    }

    /** An agent's own choice: online or away. */
    public Uni<Void> setAvailability(Caller caller, String availability) {
        if (!caller.isAgent() || !"online".equals(availability) && !"away".equals(availability)) {
            return Uni.createFrom().failure(new ApiException(ErrorCode.INVALID_STATE, "agents set state to online or away"));
        }
        return pool.preparedQuery("update agent set availability = $2 where id = $1")
                .execute(Tuple.of(caller.id(), availability)).invoke(() -> announce(caller.id())).replaceWithVoid();
    }

    public Uni<List<AgentPresence>> all() {
        return pool.preparedQuery(SELECT + " order by a.display_name").execute().map(rows -> {
                    List<AgentPresence> result = new ArrayList<>();
                    rows.forEach(r -> result.add(of(r)));
                    return result;
                });
    }

    public Uni<AgentPresence> of(long agentId) {
        return pool.preparedQuery(SELECT + " where a.id = $1").execute(Tuple.of(agentId))
                .map(rows -> of(rows.iterator().next()));
    }

    /**
     * The availability long-poll: the count at once when whether anyone can answer ({@code count > 0}) is not
     * what the widget knows, otherwise as soon as a presence change (on any replica) makes it so, or the
     * count when {@code wait} has passed. The waiter is registered before the count is read, so a change
     * between the read and the wait still wakes it.
     */
    public Uni<Long> awaitAvailability(boolean knownOnline, Duration wait) {
        return attempt(knownOnline, System.nanoTime() + wait.toNanos());
    }

    private Uni<Long> attempt(boolean knownOnline, long deadline) {
        CompletableFuture<Boolean> wake = new CompletableFuture<>();
        availabilityWaiters.add(wake);
        return onlineCount().flatMap(count -> {
            long remaining = deadline - System.nanoTime();
            if (count > 0 != knownOnline || remaining <= 0) {
                return Uni.createFrom().item(count);
            }
            return Uni.createFrom().completionStage(wake)
                    .ifNoItem().after(Duration.ofNanos(remaining)).recoverWithItem(false)
                    .flatMap(woken -> woken ? attempt(knownOnline, deadline) : Uni.createFrom().item(count));
        }).onTermination().invoke(() -> availabilityWaiters.remove(wake));
    }

    /** An agent's presence changed somewhere (the hub calls this for every announcement): waiters look again. */
    public void availabilityMayHaveChanged() {
        for (CompletableFuture<Boolean> waiter : availabilityWaiters) {
            if (availabilityWaiters.remove(waiter)) {
                waiter.complete(true);
            }
        }
    }

    /** How many agents can answer now (online, not away): the widget shows the offline form at zero. */
    public Uni<Long> onlineCount() {
        return pool.preparedQuery("select count(distinct p.agent_id) from agent_presence p join agent a on a.id = p.agent_id "
                + "where a.availability = 'online' and p." + FRESH).execute().map(rows -> rows.iterator().next().getLong(0));
    }

    private static AgentPresence of(Row r) {
        String status = !r.getBoolean("connected") ? "offline" : r.getString("availability");
        return new AgentPresence(r.getLong("id"), r.getString("display_name"), status);
    }

    private Uni<Void> write(long agentId, int connections) {
        return pool.preparedQuery("""
                insert into agent_presence (agent_id, instance_id, connections, seen_at) values ($1, $2, $3, now())
                on conflict (agent_id, instance_id) do update set connections = excluded.connections, seen_at = now()""")
                .execute(Tuple.of(agentId, instance, Math.max(1, connections))).replaceWithVoid();
    }

    private void announce(long agentId) {
        events.publishNow(new Event.PresenceChanged(agentId)).subscribe().with(v -> {
        }, this::warn);
    }

    /** A stopping instance takes its agents' rows with it instead of letting them expire. */
    void stop(@Observes ShutdownEvent event) {
        try {
            pool.preparedQuery("delete from agent_presence where instance_id = $1").execute(Tuple.of(instance))
                    .await().atMost(Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            warn(e);
        }
    }

    /** Keeps this instance's rows fresh; rows of an instance that stopped heartbeating expire. */
    @Scheduled(every = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> heartbeat() {
        List<Uni<Void>> writes = new ArrayList<>();
        local.forEach((agentId, count) -> {
            if (count.get() > 0) {
                writes.add(write(agentId, count.get()));
            }
        });
        return writes.isEmpty() ? Uni.createFrom().voidItem()
                : Uni.join().all(writes).andCollectFailures().replaceWithVoid().onFailure().recoverWithNull();
    }

    private void warn(Throwable failure) {
        LOG.warnf("presence update failed: %s", failure.getClass().getSimpleName());
    }
}
