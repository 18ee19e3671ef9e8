package io.switchboard.identity;

import java.util.Optional;
import java.util.Set;

import org.jboss.logging.Logger;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.switchboard.config.SwitchboardConfig;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Finds the caller's token on any transport: {@code Authorization: Bearer} (mobile clients), the
 * {@code access_token} query parameter (browser WebSocket/EventSource on another origin), or the HttpOnly
 * cookies (browsers). A request that carries both cookies picks one with {@code X-Switchboard-As} or
 * {@code ?as=visitor|agent}; otherwise the agent cookie wins.
 * <p>
 * An unknown token yields an anonymous identity, so public endpoints still work with a stale cookie while
 * protected ones answer 401 (or refuse the WebSocket handshake).
 */
@ApplicationScoped
public class TokenAuthMechanism implements HttpAuthenticationMechanism {

    public static final String AS_HEADER = "X-Switchboard-As";
    private static final Logger LOG = Logger.getLogger(TokenAuthMechanism.class);

    @Inject
    SwitchboardConfig config;

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviderManager) {
        Optional<String> token = tokenOf(context);
        if (token.isEmpty()) {
            return Uni.createFrom().optional(Optional.empty());
        }
        AuthenticationRequest request = HttpSecurityUtils.setRoutingContextAttribute(new TokenAuthRequest(token.get()), context);
        return identityProviderManager.authenticate(request)
                .onFailure(AuthenticationFailedException.class).recoverWithItem(() -> {
                    // Logged with where it came from, never with the token itself.
                    LOG.warnf("authentication failed: %s token ip=%s origin=%s path=%s",
                            token.get().startsWith(Tokens.AGENT_PREFIX) ? "agent"
                                    : token.get().startsWith(Tokens.VISITOR_PREFIX) ? "visitor" : "malformed",
                            context.request().remoteAddress() == null ? "unknown" : context.request().remoteAddress().hostAddress(),
                            context.request().getHeader("Origin"), context.normalizedPath());
                    return null;
                });
    }

    Optional<String> tokenOf(RoutingContext context) {
        String authorization = context.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.of(authorization.substring(7).trim());
        }
        String query = context.request().getParam("access_token");
        if (query != null && !query.isBlank()) {
            return Optional.of(query);
        }
        String as = Optional.ofNullable(context.request().getHeader(AS_HEADER))
                .or(() -> Optional.ofNullable(context.request().getParam("as")))
                .orElseGet(() -> defaultRoleFor(context.normalizedPath()));
        Optional<String> agent = cookie(context, config.agents().cookieName());
        Optional<String> visitor = cookie(context, config.visitors().cookieName());
        if ("visitor".equals(as)) {
            return visitor;
        }
        if ("agent".equals(as)) {
            return agent;
        }
        return agent.or(() -> visitor);
    }

    /** Each WebSocket endpoint serves one side, so its cookie is the one that counts there. */
    private static String defaultRoleFor(String path) {
        if (path.startsWith("/ws/visitor")) {
            return "visitor";
        }
        return path.startsWith("/ws/agent") ? "agent" : null;
    }

    private static Optional<String> cookie(RoutingContext context, String name) {
        Cookie cookie = context.request().getCookie(name);
        return cookie == null || cookie.getValue().isBlank() ? Optional.empty() : Optional.of(cookie.getValue());
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", "Bearer realm=\"switchboard\""));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(TokenAuthRequest.class);
    }
}
