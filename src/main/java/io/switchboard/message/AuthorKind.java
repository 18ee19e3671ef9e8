package io.switchboard.message;

/** Who wrote a message. */
public enum AuthorKind {
    visitor, agent, system
}
