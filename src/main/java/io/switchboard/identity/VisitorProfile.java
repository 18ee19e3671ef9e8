package io.switchboard.identity;

import java.time.Instant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A visitor as agents see it beside a conversation: who (name, e-mail), since when, and where and with what
 * the widget last saw them (page, referrer, browser, language, time zone). Agents only.
 */
@RegisterForReflection
public record VisitorProfile(long id, String name, String email, Instant firstSeen, Instant lastSeen, Page page,
        String referrer, String userAgent, String language, String timeZone, Verified verified) {

    /**
     * Who the site says this visitor is (a signed identity): its user id there and when it last confirmed
     * it; null for an anonymous visitor.
     */
    @RegisterForReflection
    public record Verified(String userId, Instant at) {
    }

    /** The page the visitor is on (or was on last) and when the widget reported it. */
    @RegisterForReflection
    public record Page(String url, String title, Instant at) {
    }

    static VisitorProfile of(Visitor v) {
        return new VisitorProfile(v.id, v.displayName, v.email, v.createdAt, v.lastSeenAt,
                v.pageUrl == null ? null : new Page(v.pageUrl, v.pageTitle, v.pageAt), v.referrer, v.userAgent, v.language,
                v.timeZone, v.externalId == null ? null : new Verified(v.externalId, v.verifiedAt));
    }
}
