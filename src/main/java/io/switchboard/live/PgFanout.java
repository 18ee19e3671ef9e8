package io.switchboard.live;

import java.time.Duration;
import java.util.Optional;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.event.Event;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * LISTENs on the fan-out channel with a dedicated, self-reconnecting connection and hands every committed
 * event to this instance's {@link LiveHub}. After each (re)subscription the hub resyncs from the store, so
 * events committed while the connection was down are not missed. It is also a readiness check: an instance
 * that cannot hear other replicas should not take new clients.
 */
@ApplicationScoped
@Readiness
public class PgFanout implements AsyncHealthCheck {

    private static final Logger LOG = Logger.getLogger(PgFanout.class);

    @Inject Vertx vertx;
    @Inject LiveHub hub;
    @Inject ObjectMapper json;
    @Inject SwitchboardConfig config;

    @ConfigProperty(name = "quarkus.datasource.reactive.url")
    String reactiveUrl;

    @ConfigProperty(name = "quarkus.datasource.username")
    Optional<String> username;

    @ConfigProperty(name = "quarkus.datasource.password")
    Optional<String> password;

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(2);

    private volatile PgSubscriber subscriber;
    private volatile boolean listening;
    private volatile boolean stopping;

    void start(@Observes StartupEvent event) {
        String url = config.fanout().listenUrl().orElse(reactiveUrl);
        PgConnectOptions options = PgConnectOptions.fromUri(url.replaceFirst("^vertx-reactive:", ""));
        username.ifPresent(options::setUser);
        password.ifPresent(options::setPassword);
        PgSubscriber pg = PgSubscriber.subscriber(vertx, options)
                // Reconnect forever: 100 ms doubling to 5 s.
                .reconnectPolicy(retries -> Math.min(5000L, 100L << Math.min(retries, 6)));
        pg.closeHandler(v -> {
            listening = false;
            if (stopping) {
                LOG.debug("fan-out LISTEN connection closed on shutdown");
            } else {
                LOG.warn("fan-out LISTEN connection lost; reconnecting");
            }
        });
        pg.channel(config.fanout().channel())
                .subscribeHandler(v -> {
                    listening = true;
                    LOG.infof("listening on channel %s", config.fanout().channel());
                    hub.resync();
                })
                .handler(this::onNotification);
        subscriber = pg;
        connect();
    }

    private void connect() {
        if (stopping) {
            return;
        }
        subscriber.connect().onFailure(failure -> {
            LOG.warnf("fan-out LISTEN connection failed (%s); retrying", failure.getMessage());
            vertx.setTimer(1000, t -> connect());
        });
    }

    private void onNotification(String payload) {
        Event event;
        try {
            event = json.readValue(payload, Event.class);
        } catch (Exception e) {
            LOG.warn("ignoring malformed fan-out payload");
            return;
        }
        hub.onEvent(event);
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        if (subscriber != null) {
            subscriber.close();
        }
    }

    /**
     * Readiness: the LISTEN connection is up and PostgreSQL answers on it within {@code READY_TIMEOUT}. It asks
     * on this dedicated connection, never through the shared pools: under load a pool's queue reached seconds,
     * and a check waiting in it took every replica out of the Service at once. (Quarkus' own datasource
     * checks, which used the pools, are off.)
     */
    @Override
    public Uni<HealthCheckResponse> call() {
        PgSubscriber pg = subscriber;
        if (!listening || pg == null || pg.closed() || pg.actualConnection() == null) {
            return Uni.createFrom().item(HealthCheckResponse.down("fanout-listen"));
        }
        return Uni.createFrom().completionStage(() -> pg.actualConnection().query("select 1").execute().toCompletionStage())
                .ifNoItem().after(READY_TIMEOUT).fail()
                .map(rows -> HealthCheckResponse.up("fanout-listen"))
                .onFailure().recoverWithItem(f -> HealthCheckResponse.down("fanout-listen"));
    }
}
