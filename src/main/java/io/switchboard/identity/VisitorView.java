package io.switchboard.identity;

import io.quarkus.runtime.annotations.RegisterForReflection;

@RegisterForReflection
public record VisitorView(long id, String name, String email, boolean verified) {
    static VisitorView of(Visitor v) {
        return new VisitorView(v.id, v.displayName, v.email, v.externalId != null);
    }
}
