package io.switchboard.canned;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A saved reply an agent inserts with {@code /shortcut}: the team's ({@code ownerId} null) or one agent's own. */
@Entity
@Table(name = "canned_response")
public class CannedResponse extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false, length = 32)
    public String shortcut;

    @Column(nullable = false)
    public String text;

    @Column(name = "owner_id")
    public Long ownerId;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt = now();

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt = now();

    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
