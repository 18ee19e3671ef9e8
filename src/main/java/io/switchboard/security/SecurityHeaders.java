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
 * {@code frame-ancestors} limited to the service and the configured embedding sites, and HSTS
 * ({@code switchboard.security.hsts-max-age}); every API answer is {@code Cache-Control: no-store} unless its route
 * says otherwise (streams say {@code no-cache}). The pages and scripts have no version in their URLs, so they are
 * never {@code immutable} (Quarkus' default for static files): {@code no-cache}, revalidated with their
 * {@code Last-Modified}, so a deployment reaches every browser at its next page load. This filter runs first, so
 * that answers made by the filters after it (an origin refused with 403) carry the headers too.
 */
@ApplicationScoped
public class SecurityHeaders {

    /** Before every other filter (the origin check is 400, CORS 300). */
    static final int PRIORITY = 1000;

    @Inject
    SwitchboardConfig config;

    void register(@Observes Filters filters) {
        long hsts = config.security().hstsMaxAge().toSeconds();
        String transportSecurity = hsts <= 0 ? null
                : "max-age=" + hsts + (config.security().hstsIncludeSubdomains() ? "; includeSubDomains" : "");
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
                if (!headers.contains("Referrer-Policy")) { // a page may allow its own origin (the e-mail pages' forms)
                    headers.set("Referrer-Policy", "no-referrer");
                }
                if (transportSecurity != null) {
                    headers.set("Strict-Transport-Security", transportSecurity);
                }
                String caching = headers.get("Cache-Control");
                if (rc.request().path().startsWith("/api/") && caching == null) {
                    headers.set("Cache-Control", "no-store"); // tokens, history, identities: never in a shared cache
                } else if (caching != null && caching.contains("immutable")) {
                    headers.set("Cache-Control", "no-cache"); // an unversioned URL: revalidate, a deploy shows at once
                }
            });
            rc.next();
        }, PRIORITY);
    }

    /** The frame-ancestors source list: the service itself plus {@code switchboard.security.frame-ancestors}. */
    public String frameAncestors() {
        List<String> extra = config.security().frameAncestors().orElse(List.of());
        return extra.isEmpty() ? "'self'" : "'self' " + String.join(" ", extra);
    }
}
