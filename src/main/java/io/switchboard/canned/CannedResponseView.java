package io.switchboard.canned;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A canned response on the wire. {@code scope}: {@code shared} (the team's) or {@code personal} (the
 * caller's own). The text may hold placeholders the console fills in: {@code {{visitor.name}}},
 * {@code {{visitor.email}}}, {@code {{agent.name}}}.
 */
@RegisterForReflection
public record CannedResponseView(long id, String shortcut, String text, String scope) {

    static CannedResponseView of(CannedResponse c) {
        return new CannedResponseView(c.id, c.shortcut, c.text, c.ownerId == null ? "shared" : "personal");
    }
}
