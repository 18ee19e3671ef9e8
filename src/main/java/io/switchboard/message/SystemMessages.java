package io.switchboard.message;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.hibernate.Session;

import io.switchboard.api.Author;
import io.switchboard.api.AuthorKind;
import io.switchboard.api.MessageView;
import io.switchboard.api.SystemEvent;
import io.switchboard.conversation.Conversation;
import io.switchboard.conversation.ConversationTransitioned;
import io.switchboard.event.Event;
import io.switchboard.event.EventPublisher;
import io.switchboard.identity.Agent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

/**
 * Joins, claims, transfers, resolves and reopenings as system messages in the conversation's timeline: stored
 * with a seq like any message, so every transport delivers and replays them, in order, to visitors and agents
 * alike. The text is the English sentence (with the names of the moment); {@code event} and the author (the
 * agent it names) let a client say it in its own language.
 */
@ApplicationScoped
class SystemMessages {

    @Inject EntityManager em;
    @Inject EventPublisher events;

    /** A change made outside a send (claim, assign, status): recorded in the same transaction, announced on commit. */
    void record(@Observes ConversationTransitioned transitioned) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<MessageView> messages = compose(transitioned.conversation(), transitioned.transitions(), now);
        em.unwrap(Session.class).doWork(connection -> MessageStore.insert(connection, messages, now));
        events.publishAll(messages.stream().map(Event.MessageCommitted::new).toList());
    }

    /** The messages for these transitions, each taking the conversation's next seq (the caller stores them). */
    List<MessageView> compose(Conversation conversation, List<Conversation.Transition> transitions, Instant now) {
        List<MessageView> messages = new ArrayList<>(transitions.size());
        for (Conversation.Transition transition : transitions) {
            Agent agent = transition.agentId() == null ? null : Agent.findById(transition.agentId());
            String name = agent == null ? null : agent.displayName;
            Conversation.Slot slot = conversation.nextSlot(false);
            messages.add(new MessageView(conversation.id, slot.seq(), "sys-" + UUID.randomUUID(),
                    new Author(AuthorKind.system, agent == null ? null : agent.id, name == null ? "Switchboard" : name),
                    sentence(transition.event(), name), now, slot.prevPublic(), false, transition.event(), List.of()));
        }
        return messages;
    }

    static String sentence(SystemEvent event, String name) {
        return switch (event) {
            case joined -> name + " joined the conversation";
            case left -> name + " left the conversation";
            case resolved -> name == null ? "The conversation was resolved" : name + " resolved the conversation";
            case reopened -> name == null ? "The conversation was reopened" : name + " reopened the conversation";
            case requeued -> name == null ? "The conversation is back in the queue"
                    : name + " put the conversation back in the queue";
        };
    }
}
