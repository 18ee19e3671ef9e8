package io.switchboard.live.transport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.switchboard.conversation.ConversationView;
import io.switchboard.message.MessageView;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The JSON frames shared by the WebSocket and the iframe stream (SSE carries the same payloads as event
 * data). Every frame has a {@code type}. See docs/protocol.md.
 */
@ApplicationScoped
public class Frames {

    public static final int PROTOCOL_VERSION = 1;

    @RegisterForReflection
    public record Hello(String type, int protocol, String role, long id, String name) {
        public Hello(String role, long id, String name) {
            this("hello", PROTOCOL_VERSION, role, id, name);
        }
    }

    @RegisterForReflection
    public record Message(String type, MessageView message) {
        public Message(MessageView message) {
            this("message", message);
        }
    }

    @RegisterForReflection
    public record Conversation(String type, ConversationView conversation) {
        public Conversation(ConversationView conversation) {
            this("conversation", conversation);
        }
    }

    @RegisterForReflection
    public record Activity(String type, long conversationId, long lastSeq) {
        public Activity(long conversationId, long lastSeq) {
            this("activity", conversationId, lastSeq);
        }
    }

    @RegisterForReflection
    public record Ack(String type, String ref, long conversationId, String clientMsgId, long seq, boolean duplicate) {
        public Ack(String ref, MessageView message, boolean duplicate) {
            this("ack", ref, message.conversationId(), message.clientMsgId(), message.seq(), duplicate);
        }
    }

    @RegisterForReflection
    public record Subscribed(String type, String ref, long conversationId, long after) {
        public Subscribed(String ref, long conversationId, long after) {
            this("subscribed", ref, conversationId, after);
        }
    }

    @RegisterForReflection
    public record Unsubscribed(String type, String ref, long conversationId) {
        public Unsubscribed(String ref, long conversationId) {
            this("unsubscribed", ref, conversationId);
        }
    }

    @RegisterForReflection
    public record Pong(String type, String ref) {
        public Pong(String ref) {
            this("pong", ref);
        }
    }

    @RegisterForReflection
    public record Error(String type, String ref, String code, String message) {
        public Error(String ref, String code, String message) {
            this("error", ref, code, message);
        }
    }

    @RegisterForReflection
    public record Typing(String type, long conversationId, MessageView.Author author, String state) {
        public Typing(io.switchboard.live.Typing typing) {
            this("typing", typing.conversationId(), typing.author(), typing.typing() ? "start" : "stop");
        }
    }

    @RegisterForReflection
    public record Viewing(String type, long conversationId, MessageView.Author agent, String state) {
        public Viewing(io.switchboard.live.Typing viewing) {
            this("viewing", viewing.conversationId(), viewing.author(), viewing.typing() ? "start" : "stop");
        }
    }

    @RegisterForReflection
    public record Read(String type, long conversationId, String readerKind, long readerId, long seq) {
        public Read(io.switchboard.conversation.ReadReceipt receipt) {
            this("read", receipt.conversationId(), receipt.readerKind(), receipt.readerId(), receipt.seq());
        }
    }

    @RegisterForReflection
    public record Presence(String type, long agentId, String name, String status) {
        public Presence(io.switchboard.live.Presence.AgentPresence presence) {
            this("presence", presence.agentId(), presence.name(), presence.status());
        }
    }

    /** The server is closing this connection: {@code code} is one of the documented close codes. */
    @RegisterForReflection
    public record Closing(String type, int code, String reason) {
        public Closing(int code, String reason) {
            this("close", code, reason);
        }
    }

    /** Sent on the iframe stream: keep-alive, and the last frame asking the client to reopen from a cursor. */
    @RegisterForReflection
    public record Control(String type, Long after) {
    }

    @Inject
    ObjectMapper json;

    /** The last frame written and its text: a fan-out writes the same frame for every listener in a row. */
    private volatile Written last = new Written(null, null);

    private record Written(Object frame, String text) {
    }

    /**
     * The frame as JSON text. A fan-out (one event, many connections) calls this with equal frames back to
     * back, so the last answer is kept and serialisation happens once per event, not once per listener.
     */
    public String write(Object frame) {
        Written cached = last;
        if (frame.equals(cached.frame())) {
            return cached.text();
        }
        try {
            String text = json.writeValueAsString(frame);
            last = new Written(frame, text);
            return text;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("frame not serialisable: " + frame.getClass().getSimpleName(), e);
        }
    }
}
