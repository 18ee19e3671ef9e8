package io.switchboard.api;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Who wrote, typed, read or is viewing: the same on every frame and event. {@code id} is the visitor's or
 * agent's id ({@code null} for system messages).
 */
@RegisterForReflection
public record Author(AuthorKind kind, Long id, String name) {
}
