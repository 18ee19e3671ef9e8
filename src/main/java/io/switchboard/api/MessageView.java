package io.switchboard.api;

import java.time.Instant;
import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A message on the wire, identical on every transport. {@code prevPublic} is the seq of the message before
 * it that visitors can see: a visitor never receives agents' private notes ({@code internal}), so its seqs
 * jump where notes are, and {@code prevPublic} tells such a jump from a gap. {@code event} is set on system
 * messages only ({@code author.kind = system}). {@code attachments}: the files sent with it (empty for none);
 * {@code text} may be empty when there are some.
 */
@RegisterForReflection
public record MessageView(long conversationId, long seq, String clientMsgId, Author author, String text, Instant sentAt,
        long prevPublic, boolean internal, SystemEvent event, List<AttachmentView> attachments) {

    public MessageView {
        attachments = attachments == null ? List.of() : List.copyOf(attachments);
    }

    /**
     * Whether this is the very next message for a reader whose cursor is {@code cursor}: the next seq for
     * agents, who see everything; for visitors, the next message after any notes in between.
     */
    public boolean follows(long cursor, boolean seesNotes) {
        return seesNotes ? seq == cursor + 1 : seq > cursor && prevPublic <= cursor;
    }
}
