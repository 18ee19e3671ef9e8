package io.switchboard.live;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Deploy-safe shutdown. On SIGTERM Quarkus turns readiness DOWN and waits {@code quarkus.shutdown.delay}
 * before stopping; at the start of that delay this instance refuses new live connections (503 draining)
 * and tells every connected client to go elsewhere: WebSockets are closed with 1001, SSE and iframe
 * streams end with a {@code close} event, long-polls answer at once. Clients reconnect through the
 * Service to another replica with their cursor, so nothing is lost or doubled.
 */
@ApplicationScoped
public class Drain {

    private static final Logger LOG = Logger.getLogger(Drain.class);

    @Inject ConnectionRegistry registry;

    void onShutdownDelay(@Observes ShutdownDelayInitiatedEvent event) {
        drain();
    }

    void onShutdown(@Observes ShutdownEvent event) {
        drain();
    }

    private void drain() {
        if (registry.startDraining()) {
            LOG.info("draining: readiness is DOWN, live clients are told to reconnect elsewhere");
            registry.closeAll(LiveConnection.GOING_AWAY, "server shutting down: reconnect and resume");
        }
    }
}
