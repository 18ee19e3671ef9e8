package io.switchboard.security;

import java.util.List;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.switchboard.config.SwitchboardConfig;
import io.vertx.core.MultiMap;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Headers on every response: a Content-Security-Policy without inline scripts (a route may set a stricter
 * one of its own, as the iframe stream does with a nonce), {@code nosniff}, no referrer, and
 * {@code frame-ancestors} limited to the service and the configured embedding sites; every API answer is
 * {@code Cache-Control: no-store} unless its route says otherwise (streams say {@code no-cache}).
 */
@ApplicationScoped
public class SecurityHeaders {

    @Inject
    SwitchboardConfig config;

    void register(@Observes Filters filters) {
        String csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                + "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors "
                + frameAncestors();
        filters.register(rc -> {
            rc.addHeadersEndHandler(v -> {
                MultiMap headers = rc.response().headers();
                if (!headers.contains("Content-Security-Policy")) {
                    headers.set("Content-Security-Policy", csp);
                }
                headers.set("X-Content-Type-Options", "nosniff");
                headers.set("Referrer-Policy", "no-referrer");
                if (rc.request().path().startsWith("/api/") && !headers.contains("Cache-Control")) {
                    headers.set("Cache-Control", "no-store"); // tokens, history, identities: never in a shared cache
                }
            });
            rc.next();
        }, 100);
    }

    /** The frame-ancestors source list: the service itself plus {@code switchboard.security.frame-ancestors}. */
    public String frameAncestors() {
        List<String> extra = config.security().frameAncestors().orElse(List.of());
        return extra.isEmpty() ? "'self'" : "'self' " + String.join(" ", extra);
    }
}
