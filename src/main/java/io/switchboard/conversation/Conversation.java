package io.switchboard.conversation;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
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

    /** Puts it (back) at the end of the waiting queue. */
    public void enqueue() {
        status = ConversationStatus.waiting;
        assigneeId = null;
        waitingSince = Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

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
}
