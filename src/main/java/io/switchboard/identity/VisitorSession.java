package io.switchboard.identity;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A new visitor identity. The browser keeps {@code token} in an HttpOnly cookie set with this response; a
 * mobile client stores it and sends {@code Authorization: Bearer <token>}. It is shown only once.
 */
@RegisterForReflection
public record VisitorSession(VisitorView visitor, String token) {
}
