package io.switchboard.conversation;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** One thread between a visitor and the support team. {@code lastSeq} is the seq of its newest message. */
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

    @Column(name = "created_at", nullable = false)
    public Instant createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);

    /** When it last entered the waiting queue (creation or reopening): its place in the queue. */
    @Column(name = "waiting_since", nullable = false)
    public Instant waitingSince = Instant.now().truncatedTo(ChronoUnit.MICROS);

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);

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

    /** An agent replied: the first reply opens a waiting conversation and assigns it, unless it is assigned. */
    public boolean agentReplied(long agentId) {
        if (status != ConversationStatus.waiting) {
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
