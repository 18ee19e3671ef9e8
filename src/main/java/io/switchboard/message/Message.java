package io.switchboard.message;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import io.switchboard.api.AuthorKind;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** One message of a conversation; {@code seq} is gap-free and strictly increasing within it. */
@Entity
@Table(name = "message")
public class Message extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "conversation_id", nullable = false)
    public Long conversationId;

    @Column(nullable = false)
    public long seq;

    @Enumerated(EnumType.STRING)
    @Column(name = "author_kind", nullable = false, length = 8)
    public AuthorKind authorKind;

    @Column(name = "author_id")
    public Long authorId;

    @Column(nullable = false, columnDefinition = "text")
    public String text;

    @Column(name = "client_msg_id", nullable = false, length = 64)
    public String clientMsgId;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);

    static Optional<Message> findByClientId(AuthorKind kind, long authorId, String clientMsgId) {
        return find("authorKind = ?1 and authorId = ?2 and clientMsgId = ?3", kind, authorId, clientMsgId)
                .firstResultOptional();
    }
}
