package io.switchboard.live;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.switchboard.api.Author;
import io.switchboard.api.MessageView;
import io.switchboard.conversation.ConversationView;
import io.switchboard.conversation.ReadReceipt;
import io.switchboard.event.Event;
import io.switchboard.message.SendResult;
import io.switchboard.presence.Presence.AgentPresence;

/**
 * What the server sends a client, the same JSON on every transport: a WebSocket text frame, an SSE event's
 * {@code data} (the event name is the {@code type}), an iframe script call. Each frame is one record whose
 * {@code type} is written first. See docs/protocol.md.
 */
@RegisterForReflection(targets = { Frame.class, Frame.Hello.class, Frame.Message.class, Frame.Ack.class, Frame.Subscribed.class,
        Frame.Unsubscribed.class, Frame.State.class, Frame.Conversation.class, Frame.Activity.class, Frame.Typing.class,
        Frame.Viewing.class, Frame.Read.class, Frame.Presence.class, Frame.Pong.class, Frame.Error.class,
        Frame.Close.class, Frame.Open.class, Frame.Heartbeat.class, Frame.Reconnect.class })
@JsonPropertyOrder({ "type" })
public sealed interface Frame {

    int PROTOCOL_VERSION = 3;

    @JsonProperty("type")
    String type();

    record Hello(int protocol, String role, long id, String name) implements Frame {
        public Hello(Author me) {
            this(PROTOCOL_VERSION, me.kind().name(), me.id(), me.name());
        }

        public String type() { return "hello"; }
    }

    record Message(MessageView message) implements Frame {
        public String type() { return "message"; }
    }

    record Ack(String ref, long conversationId, String clientMsgId, long seq, boolean duplicate) implements Frame {
        public static Ack of(String ref, SendResult sent) {
            return new Ack(ref, sent.message().conversationId(), sent.message().clientMsgId(), sent.message().seq(),
                    sent.duplicate());
        }

        public String type() { return "ack"; }
    }

    record Subscribed(String ref, long conversationId, long after) implements Frame {
        public String type() { return "subscribed"; }
    }

    record Unsubscribed(String ref, long conversationId) implements Frame {
        public String type() { return "unsubscribed"; }
    }

    /**
     * Sent once on every subscribe (resume, a stream's start): the conversation as it stands and every
     * participant's read cursor. {@code conversation} and {@code read} frames that follow are changes since,
     * so a client that reconnects ends with the same state as one that never left.
     */
    record State(long conversationId, ConversationView conversation, List<ReadReceipt> reads) implements Frame {
        public String type() { return "state"; }
    }

    /** The conversation's status or assignee changed (or it was created). */
    record Conversation(ConversationView conversation) implements Frame {
        public String type() { return "conversation"; }
    }

    /** Agents' feed: a message arrived somewhere, for unread counts. */
    /**
     * Agents only: a message was committed somewhere. {@code authorKind} and {@code internal} (a private note)
     * let a console decide whether to alert without reading it; {@code authorKind} is null when the message
     * was too long for the notification payload.
     */
    record Activity(long conversationId, long lastSeq, String authorKind, boolean internal) implements Frame {
        public String type() { return "activity"; }

        static Activity of(Event.MessageCommitted m) {
            MessageView message = m.message();
            return new Activity(m.conversationId(), m.seq(), message == null ? null : message.author().kind().name(),
                    message != null && message.internal());
        }
    }

    record Typing(long conversationId, Author author, String state) implements Frame {
        static Typing of(Event.Typing typing) {
            return new Typing(typing.conversationId(), typing.author(), typing.active() ? "start" : "stop");
        }

        public String type() { return "typing"; }
    }

    record Viewing(long conversationId, Author agent, String state) implements Frame {
        static Viewing of(Event.Viewing viewing) {
            return new Viewing(viewing.conversationId(), viewing.agent(), viewing.active() ? "start" : "stop");
        }

        boolean started() {
            return "start".equals(state);
        }

        public String type() { return "viewing"; }
    }

    record Read(long conversationId, String readerKind, long readerId, long seq) implements Frame {
        /** For agents ({@code seesNotes}), the cursor; for visitors, the newest message up to it they can see. */
        static Read of(Event.ReadMoved read, boolean seesNotes) {
            return new Read(read.conversationId(), read.reader().kind().name(), read.reader().id(),
                    seesNotes ? read.seq() : read.publicSeq());
        }

        public String type() { return "read"; }
    }

    /** Agents' feed: a colleague came online, went away or offline. */
    record Presence(long agentId, String name, String status) implements Frame {
        static Presence of(AgentPresence presence) {
            return new Presence(presence.agentId(), presence.name(), presence.status());
        }

        public String type() { return "presence"; }
    }

    record Pong(String ref) implements Frame {
        public String type() { return "pong"; }
    }

    record Error(String ref, String code, String message) implements Frame {
        public String type() { return "error"; }
    }

    /** The server is closing this connection: {@code code} is one of the documented close codes. */
    record Close(int code, String reason) implements Frame {
        public String type() { return "close"; }
    }

    /** Iframe stream: the first frame, so the page knows at once that the stream works. */
    record Open(long after) implements Frame {
        public String type() { return "open"; }
    }

    /** Iframe stream: keep-alive. */
    record Heartbeat() implements Frame {
        public String type() { return "heartbeat"; }
    }

    /** Iframe stream: the last frame of a document; reopen it from {@code after}. */
    record Reconnect(long after) implements Frame {
        public String type() { return "reconnect"; }
    }
}
