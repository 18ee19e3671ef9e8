package io.switchboard.event;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.switchboard.api.Author;
import io.switchboard.api.MessageView;

/**
 * What one NOTIFY carries between replicas, typed by {@code kind}. Durable events ({@link MessageCommitted},
 * {@link ConversationChanged}, {@link ReadMoved}, {@link TokenRevoked}) are published inside the writing
 * transaction and reach listeners only on commit; ephemeral ones ({@link Typing}, {@link Viewing},
 * {@link PresenceChanged}) go out at once and are never stored. Ids and small values only: a payload stays far
 * below PostgreSQL's 8000-byte limit, and receivers read rows by cursor.
 */
@RegisterForReflection // Jackson reads the type annotations below at run time, in the native image too
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
        @JsonSubTypes.Type(value = Event.MessageCommitted.class, name = "message"),
        @JsonSubTypes.Type(value = Event.ConversationChanged.class, name = "conversation"),
        @JsonSubTypes.Type(value = Event.ReadMoved.class, name = "read"),
        @JsonSubTypes.Type(value = Event.Typing.class, name = "typing"),
        @JsonSubTypes.Type(value = Event.Viewing.class, name = "viewing"),
        @JsonSubTypes.Type(value = Event.PresenceChanged.class, name = "presence"),
        @JsonSubTypes.Type(value = Event.TokenRevoked.class, name = "revoked") })
public sealed interface Event {

    /**
     * A message with this seq was committed in the conversation. {@code message} is the message itself when it
     * fits in a NOTIFY payload, so receivers deliver it without reading the store; {@code null} (a long text
     * in a multi-byte script) means "read it by cursor".
     */
    @RegisterForReflection
    record MessageCommitted(long conversationId, long seq, MessageView message) implements Event {
        public MessageCommitted(MessageView message) {
            this(message.conversationId(), message.seq(), message);
        }

        /** The same event without the message, for a payload over PostgreSQL's limit. */
        public MessageCommitted hint() {
            return new MessageCommitted(conversationId, seq, null);
        }
    }

    /** The conversation was created, or its status or assignee changed. */
    @RegisterForReflection
    record ConversationChanged(long conversationId) implements Event {
    }

    /**
     * A participant's read cursor moved forward to {@code seq}. {@code publicSeq}: the newest message up to it
     * that visitors can see — what a visitor is told, so that an agent's read cursor never names a note's seq.
     */
    @RegisterForReflection
    record ReadMoved(long conversationId, Author reader, long seq, long publicSeq) implements Event {
    }

    /** Someone started ({@code active}) or stopped typing. */
    @RegisterForReflection
    record Typing(long conversationId, Author author, boolean active) implements Event {
    }

    /** An agent opened ({@code active}) or left the conversation: collision awareness. */
    @RegisterForReflection
    record Viewing(long conversationId, Author agent, boolean active) implements Event {
    }

    /** An agent's presence may have changed (connected, disconnected, online or away). */
    @RegisterForReflection
    record PresenceChanged(long agentId) implements Event {
    }

    /** An agent token was revoked (its SHA-256): close its connections on every replica. */
    @RegisterForReflection
    record TokenRevoked(String tokenHash) implements Event {
    }
}
