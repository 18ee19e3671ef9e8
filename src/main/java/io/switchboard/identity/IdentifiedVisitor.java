package io.switchboard.identity;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A visitor signed in with the site's identity. {@code token} is this device's token from now on when signing
 * in changed who the device is (an anonymous visitor's tokens all end then: a copy of one planted on this
 * device, or kept elsewhere, must not become the identified person); it is null when the device's token
 * already was this identity's, and stays valid.
 */
@RegisterForReflection
public record IdentifiedVisitor(VisitorView visitor, String token) {
}
