package io.switchboard.live;

import io.switchboard.config.SwitchboardConfig;
import io.switchboard.conversation.Conversations;
import io.switchboard.identity.Caller;
import io.switchboard.presence.Presence;
import io.switchboard.presence.Viewers;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Opens {@link ClientSession}s: admission (connection limits, draining) and presence, for every transport. */
@ApplicationScoped
public class ClientSessions {

    @Inject LiveHub hub;
    @Inject ConnectionRegistry registry;
    @Inject Presence presence;
    @Inject Viewers viewers;
    @Inject Conversations conversations;
    @Inject SwitchboardConfig config;

    /**
     * Admits a client or throws: {@code 429 too_many_connections} over its limits, {@code 503 draining} while
     * this instance shuts down. The registry closes {@code out} on revocation, token expiry and shutdown; the
     * transport then calls {@link ClientSession#close()}.
     */
    public ClientSession open(Caller caller, String tokenHash, String ip, Transport transport, Sink out) {
        ClientSession session = new ClientSession(this, caller, transport, out);
        session.admitted(registry.admit(caller.key(), tokenHash, ip, transport, caller.expiresAt(), out::close));
        if (caller.isAgent()) {
            presence.connected(caller.id());
        }
        return session;
    }

    int maxSubscriptions() {
        return config.limits().subscriptionsPerConnection();
    }
}
