package io.switchboard.conversation;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.SystemEvent;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * One thread between a visitor and the support team. {@code lastSeq} is the seq of its newest message,
 * {@code lastPublicSeq} that of its newest message visitors can see (not a private note).
 */
@Entity
@Table(name = "conversation")
public class Conversation extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "visitor_id", nullable = false)
    public Long visitorId;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 10)
    public ConversationStatus status = ConversationStatus.waiting;

    @Column(name = "assignee_id")
    public Long assigneeId;

    @Column(name = "last_seq", nullable = false)
    public long lastSeq;

    @Column(name = "last_public_seq", nullable = false)
    public long lastPublicSeq;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);

    /** When it last entered the waiting queue (creation or reopening): its place in the queue. */
    @Column(name = "waiting_since", nullable = false)
    public Instant waitingSince = Instant.now().truncatedTo(ChronoUnit.MICROS);

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);

    /** Where a new message goes in the timeline: its seq, and the public message before it. */
    public record Slot(long seq, long prevPublic) {
    }

    /** Takes the next seq for a message (an agents-only note leaves the visitors' timeline as it was). */
    public Slot nextSlot(boolean internal) {
        lastSeq += 1;
        Slot slot = new Slot(lastSeq, lastPublicSeq);
        if (!internal) {
            lastPublicSeq = lastSeq;
        }
        touch();
        return slot;
    }

    /** The status and assignee at one moment, to tell afterwards what changed. */
    public record State(ConversationStatus status, Long assigneeId) {
    }

    /** A change the timeline records as a system message: what happened and the agent it names. */
    public record Transition(SystemEvent event, Long agentId) {
    }

    public State state() {
        return new State(status, assigneeId);
    }

    /**
     * What changed since {@code before}, as the timeline tells it, {@code actorId} having done it (null: the
     * visitor, or the service): reopened, requeued or resolved first, then who left and who joined.
     */
    public List<Transition> transitionsSince(State before, Long actorId) {
        List<Transition> transitions = new ArrayList<>(2);
        if (before.status() != status) {
            if (before.status() == ConversationStatus.resolved) {
                transitions.add(new Transition(SystemEvent.reopened, actorId));
            } else if (status == ConversationStatus.resolved) {
                transitions.add(new Transition(SystemEvent.resolved, actorId));
            } else if (status == ConversationStatus.waiting) {
                transitions.add(new Transition(SystemEvent.requeued, actorId));
            }
        }
        if (!Objects.equals(before.assigneeId(), assigneeId)) {
            // Back in the queue (requeued, or reopened by the visitor) says enough: nobody "left".
            if (before.assigneeId() != null && status != ConversationStatus.waiting) {
                transitions.add(new Transition(SystemEvent.left, before.assigneeId()));
            }
            if (assigneeId != null) {
                transitions.add(new Transition(SystemEvent.joined, assigneeId));
            }
        }
        return transitions;
    }

    // ---- the status rules (Chatwoot's): waiting → open → resolved → (visitor writes) waiting ---------------

    /** Puts it (back) at the end of the waiting queue, unassigned. */
    public void enqueue() {
        status = ConversationStatus.waiting;
        assigneeId = null;
        waitingSince = now();
    }

    /** A visitor wrote: a resolved conversation is reopened and queued. True when the status changed. */
    public boolean visitorWrote() {
        if (status != ConversationStatus.resolved) {
            return false;
        }
        enqueue();
        return true;
    }

    /**
     * An agent replied: the first reply opens a waiting conversation and assigns it, unless it is assigned; a
     * reply into a resolved conversation reopens it (open, and the replying agent's if nobody's), so that the
     * answer is seen and the conversation is in someone's list again. True when the status changed.
     */
    public boolean agentReplied(long agentId) {
        if (status == ConversationStatus.open) {
            return false;
        }
        status = ConversationStatus.open;
        if (assigneeId == null) {
            assigneeId = agentId;
        }
        return true;
    }

    /** An agent takes it; only one can (409 already_claimed for the next). True when anything changed. */
    public boolean claim(long agentId) {
        if (assigneeId != null && assigneeId != agentId) {
            throw new ApiException(ErrorCode.ALREADY_CLAIMED, "another agent has already taken this conversation");
        }
        if (assigneeId != null && status == ConversationStatus.open) {
            return false;
        }
        assignTo(agentId);
        return true;
    }

    /** An agent sets the status; opening an unassigned conversation assigns it to them. */
    public boolean changeStatus(ConversationStatus to, long agentId) {
        if (status == to) {
            return false;
        }
        if (to == ConversationStatus.waiting) {
            enqueue();
        } else {
            status = to;
        }
        if (to == ConversationStatus.open && assigneeId == null) {
            assigneeId = agentId;
        }
        return true;
    }

    /** Assign or transfer ({@code null} unassigns); an assigned waiting conversation is open. */
    public void assign(Long agentId) {
        assigneeId = agentId;
        if (agentId != null && status == ConversationStatus.waiting) {
            status = ConversationStatus.open;
        }
    }

    /** Taken by this agent and open (a claim, or round-robin assignment). */
    public void assignTo(long agentId) {
        assigneeId = agentId;
        status = ConversationStatus.open;
    }

    public void touch() {
        updatedAt = now();
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
