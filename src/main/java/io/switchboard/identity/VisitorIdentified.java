package io.switchboard.identity;

/**
 * A visitor became a signed identity for the first time (CDI event, fired inside that transaction): created by
 * a sign-in, an anonymous visitor signed in, or one merged into it ({@code mergedFrom}).
 */
public record VisitorIdentified(long visitorId, String userId, Long mergedFrom) {
}
