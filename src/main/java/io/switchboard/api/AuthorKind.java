package io.switchboard.api;

/** Who wrote a message. */
public enum AuthorKind {
    visitor, agent, system
}
