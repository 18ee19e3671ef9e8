package io.switchboard.identity;

import io.quarkus.security.identity.SecurityIdentity;
import io.switchboard.api.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** The caller of the current request or handshake, as established by {@link TokenAuthMechanism}. */
@ApplicationScoped
public class Callers {

    @Inject
    SecurityIdentity identity;

    public Caller current() {
        return of(identity);
    }

    /** The caller an identity stands for (where no request scope is active: Vert.x routes); 401 without one. */
    public static Caller of(SecurityIdentity identity) {
        Caller caller = identity.getAttribute(TokenIdentityProvider.CALLER_ATTRIBUTE);
        if (caller == null) {
            throw ApiException.unauthorized();
        }
        return caller;
    }

    public String tokenHash() {
        current();
        return identity.getAttribute(TokenIdentityProvider.TOKEN_HASH_ATTRIBUTE);
    }

    public Caller.AgentCaller agent() {
        if (current() instanceof Caller.AgentCaller agent) {
            return agent;
        }
        throw ApiException.forbidden("agents only");
    }
}
