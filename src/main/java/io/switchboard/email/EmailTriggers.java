package io.switchboard.email;

import java.sql.PreparedStatement;

import org.hibernate.Session;

import io.switchboard.api.AuthorKind;
import io.switchboard.api.MessageView;
import io.switchboard.api.SystemEvent;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.event.Event;
import io.switchboard.event.EventsPublished;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

/**
 * Queues e-mail in the transaction of what causes it (so a rolled-back send mails nobody): an agent's reply
 * starts a digest of unread replies due {@code notify-after} later (later replies join it); a visitor's message
 * queues the team's alert (sent only if no agent is online then, at most one an hour per conversation); a
 * resolve queues a transcript when {@code transcript-on-resolve} is set. Nothing when e-mail is off.
 */
@ApplicationScoped
class EmailTriggers {

    @Inject
    SwitchboardConfig config;

    @Inject
    EntityManager em;

    void published(@Observes EventsPublished published) {
        if (!Emails.enabled(config)) {
            return;
        }
        for (Event event : published.events()) {
            if (!(event instanceof Event.MessageCommitted committed) || committed.message().internal()) {
                continue;
            }
            MessageView m = committed.message();
            if (m.event() == null && m.author().kind() == AuthorKind.agent) {
                // Only for a visitor who can be mailed (the digest is composed, or dropped, when it is due).
                queue("""
                        insert into email_outbox (kind, conversation_id, not_before)
                        select 'replies', k.id, now() + ?::interval from conversation k join visitor v on v.id = k.visitor_id
                         where k.id = ? and v.email is not null and not v.email_opt_out and v.email_bounced is null
                        on conflict do nothing""", config.email().notifyAfter().toMillis() + " milliseconds", m.conversationId());
            } else if (m.event() == null && m.author().kind() == AuthorKind.visitor && config.email().teamAddress().isPresent()) {
                queue("""
                        insert into email_outbox (kind, conversation_id, to_address)
                        select 'team_alert', ?, ? where not exists (select 1 from email_outbox o
                         where o.conversation_id = ? and o.kind = 'team_alert' and o.state <> 'skipped' and o.created_at > now() - interval '1 hour')
                        on conflict do nothing""", m.conversationId(), config.email().teamAddress().get(), m.conversationId());
            } else if (m.event() == SystemEvent.resolved && config.email().transcriptOnResolve()) {
                // Only to a verified address: nobody asked this time, so no confirmation is sent for it.
                queue("""
                        insert into email_outbox (kind, conversation_id) select 'transcript', k.id
                          from conversation k join visitor v on v.id = k.visitor_id
                         where k.id = ? and v.email_verified_at is not null""", m.conversationId());
            }
        }
    }

    private void queue(String sql, Object... params) {
        em.unwrap(Session.class).doWork(connection -> {
            try (PreparedStatement s = connection.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    s.setObject(i + 1, params[i]);
                }
                s.executeUpdate();
            }
        });
    }
}
