package io.switchboard.identity;

/**
 * A visitor's name or e-mail changed (CDI event, fired inside the updating transaction): features that show
 * the visitor announce it (the conversation feature republishes the visitor's conversations).
 */
public record VisitorChanged(long visitorId) {
}
