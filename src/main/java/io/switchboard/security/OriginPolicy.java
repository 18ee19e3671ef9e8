package io.switchboard.security;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.switchboard.api.ErrorCode;
import io.switchboard.config.SwitchboardConfig;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Refuses any API call or WebSocket handshake whose {@code Origin} is neither the service's own nor in
 * {@code switchboard.security.allowed-origins}. Browsers always send Origin on WebSocket handshakes and
 * cross-origin requests, so another site cannot ride a visitor's cookie (cross-site WebSocket hijacking,
 * OWASP); clients without an Origin (mobile apps, servers) authenticate with bearer tokens.
 */
@ApplicationScoped
public class OriginPolicy {

    private static final Logger LOG = Logger.getLogger(OriginPolicy.class);

    @Inject
    SwitchboardConfig config;

    private Set<String> allowed;

    void register(@Observes Filters filters) {
        allowed = config.security().allowedOrigins().orElse(List.of()).stream()
                .map(OriginPolicy::normalise).collect(Collectors.toUnmodifiableSet());
        filters.register(this::check, 400); // before the CORS filter (300)
    }

    private void check(RoutingContext rc) {
        String path = rc.normalizedPath();
        String origin = rc.request().getHeader(HttpHeaders.ORIGIN);
        if (origin == null || !(path.startsWith("/api/") || path.startsWith("/ws/")) || allowed(origin, rc)) {
            rc.next();
            return;
        }
        LOG.warnf("refused origin=%s path=%s ip=%s", sanitise(origin), path,
                rc.request().remoteAddress() == null ? "unknown" : rc.request().remoteAddress().hostAddress());
        rc.response().setStatusCode(ErrorCode.ORIGIN_NOT_ALLOWED.status()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(ErrorCode.ORIGIN_NOT_ALLOWED.json("requests from this origin are not allowed"));
    }

    boolean allowed(String origin, RoutingContext rc) {
        String normalised = normalise(origin);
        if (allowed.contains(normalised)) {
            return true;
        }
        String host = rc.request().getHeader(HttpHeaders.HOST);
        try {
            URI uri = URI.create(normalised);
            String authority = uri.getPort() == -1 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
            return host != null && authority != null && authority.equalsIgnoreCase(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String normalise(String origin) {
        String o = origin.trim().toLowerCase(Locale.ROOT);
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }

    private static String sanitise(String value) {
        String clean = value.replaceAll("[^\\x20-\\x7e]", "?");
        return clean.length() > 100 ? clean.substring(0, 100) : clean;
    }
}
