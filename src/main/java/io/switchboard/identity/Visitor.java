package io.switchboard.identity;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** Someone on a website or in an app, known by a token rather than an account. */
@Entity
@Table(name = "visitor")
public class Visitor extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "display_name", nullable = false, length = 80)
    public String displayName;

    @Column(length = 254)
    public String email;

    /** The site's user id, from a signed identity; null for an anonymous visitor. */
    @Column(name = "external_id", length = 128)
    public String externalId;

    /** When a signed identity last confirmed who this is. */
    @Column(name = "verified_at")
    public Instant verifiedAt;

    /** When its e-mail address was shown to be theirs (the site's signed identity, or a confirmation link). */
    @Column(name = "email_verified_at")
    public Instant emailVerifiedAt;

    /** The identified visitor this anonymous one was merged into (its tokens and conversations went there). */
    @Column(name = "merged_into")
    public Long mergedInto;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);

    @Column(name = "last_seen_at", nullable = false)
    public Instant lastSeenAt = Instant.now().truncatedTo(ChronoUnit.MICROS);

    // ---- where the visitor is, as the widget last reported it (agents see it beside the conversation) ------

    @Column(name = "page_url", length = 2048)
    public String pageUrl;

    @Column(name = "page_title", length = 300)
    public String pageTitle;

    @Column(name = "page_at")
    public Instant pageAt;

    @Column(length = 2048)
    public String referrer;

    @Column(name = "user_agent", length = 512)
    public String userAgent;

    @Column(length = 35)
    public String language;

    @Column(name = "time_zone", length = 64)
    public String timeZone;
}
