package io.switchboard.conversation;

import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** One page of search results, newest activity first; {@code total} counts every match. */
@RegisterForReflection
public record SearchPage(List<SearchHit> items, int page, int size, long total) {

    /**
     * A conversation that matched: by a message ({@code seq} of the newest matching one, {@code snippet} its
     * words around the match, between « and », {@code internal} when it is a private note) or by its visitor's
     * name or e-mail ({@code seq} and {@code snippet} null).
     */
    @RegisterForReflection
    public record SearchHit(ConversationView conversation, Long seq, String snippet, boolean internal) {
    }
}
