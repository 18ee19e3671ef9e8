package io.switchboard.identity;

/** Role names carried by a {@link io.quarkus.security.identity.SecurityIdentity}. */
public final class Roles {
    public static final String VISITOR = "visitor";
    public static final String AGENT = "agent";
    public static final String ADMIN = "admin";

    private Roles() {
    }
}
