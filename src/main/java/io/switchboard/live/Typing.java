package io.switchboard.live;

import java.util.Optional;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.switchboard.message.AuthorKind;
import io.switchboard.message.MessageView;

/** Someone is typing (or stopped). Ephemeral: it travels through NOTIFY and is never stored. */
@RegisterForReflection
public record Typing(long conversationId, MessageView.Author author, boolean typing) {

    /** The NOTIFY subject: {@code kind:id:start|stop:name}. */
    public String subject() {
        return author.kind() + ":" + author.id() + ":" + (typing ? "start" : "stop") + ":" + author.name();
    }

    static Optional<Typing> parse(long conversationId, String subject) {
        if (subject == null) {
            return Optional.empty();
        }
        String[] parts = subject.split(":", 4);
        try {
            return Optional.of(new Typing(conversationId,
                    new MessageView.Author(AuthorKind.valueOf(parts[0]), Long.parseLong(parts[1]), parts[3]),
                    parts[2].equals("start")));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
