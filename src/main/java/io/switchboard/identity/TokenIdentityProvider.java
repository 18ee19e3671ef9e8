package io.switchboard.identity;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Turns a token into a {@link SecurityIdentity} whose {@code caller} attribute is the {@link Caller}. */
@ApplicationScoped
public class TokenIdentityProvider implements IdentityProvider<TokenAuthRequest> {

    public static final String CALLER_ATTRIBUTE = "switchboard.caller";
    public static final String TOKEN_HASH_ATTRIBUTE = "switchboard.token-hash";

    @Inject
    CallerLookup lookup;

    @Override
    public Class<TokenAuthRequest> getRequestType() {
        return TokenAuthRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(TokenAuthRequest request, AuthenticationRequestContext context) {
        return lookup.resolve(request.token()).map(found -> {
            Caller caller = found.orElseThrow(() -> new AuthenticationFailedException("unknown, expired or revoked token"));
            QuarkusSecurityIdentity.Builder identity = QuarkusSecurityIdentity.builder()
                    .addAttribute(CALLER_ATTRIBUTE, caller)
                    .addAttribute(TOKEN_HASH_ATTRIBUTE, Tokens.hash(request.token()));
            if (caller instanceof Caller.AgentCaller agent) {
                identity.setPrincipal(new QuarkusPrincipal("agent:" + agent.id())).addRole(Roles.AGENT);
                if (agent.admin()) {
                    identity.addRole(Roles.ADMIN);
                }
            } else {
                identity.setPrincipal(new QuarkusPrincipal("visitor:" + caller.id())).addRole(Roles.VISITOR);
            }
            return identity.build();
        });
    }
}
