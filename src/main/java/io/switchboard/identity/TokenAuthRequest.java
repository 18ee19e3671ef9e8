package io.switchboard.identity;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A bearer token taken from a header, cookie or query parameter. */
public class TokenAuthRequest extends BaseAuthenticationRequest {

    private final String token;

    public TokenAuthRequest(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }
}
