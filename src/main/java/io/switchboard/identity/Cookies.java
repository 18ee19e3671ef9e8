package io.switchboard.identity;

import java.time.Duration;

import io.switchboard.config.SwitchboardConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.NewCookie;

/** The HttpOnly identity cookies browsers carry on every transport. */
@ApplicationScoped
public class Cookies {

    @Inject
    SwitchboardConfig config;

    public NewCookie visitor(String token) {
        return cookie(config.visitors().cookieName(), token, config.visitors().cookieMaxAge());
    }

    public NewCookie agent(String token) {
        return cookie(config.agents().cookieName(), token, config.agents().tokenTtl());
    }

    public NewCookie clearAgent() {
        return cookie(config.agents().cookieName(), "", Duration.ZERO);
    }

    private NewCookie cookie(String name, String value, Duration maxAge) {
        return new NewCookie.Builder(name).value(value).path("/").httpOnly(true)
                .secure(config.visitors().secureCookies()).sameSite(NewCookie.SameSite.LAX)
                .maxAge((int) Math.min(Integer.MAX_VALUE, maxAge.toSeconds())).build();
    }
}
