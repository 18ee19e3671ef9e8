package io.switchboard.email;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.mailer.Mail;
import io.quarkus.mailer.Mailer;
import io.quarkus.scheduler.Scheduled;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.presence.Presence;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Sends what the outbox holds, on every replica: a replica leases due rows ({@code SKIP LOCKED}), composes
 * each when it is sent (so a digest holds every reply still unread then, and nothing when they were read), and
 * sends it through the Mailer. A temporary failure is retried with backoff up to {@code max-attempts}; a
 * permanent refusal (an SMTP 5xx: no such mailbox, address rejected) marks the e-mail bounced and the
 * visitor's address as failed, so it is not tried again. Nothing here runs in a send's or a resolve's path.
 */
@ApplicationScoped
class EmailSender {

    private static final Logger LOG = Logger.getLogger(EmailSender.class);
    private static final Pattern PERMANENT = Pattern.compile("\\b5[0-9][0-9]\\b");
    private static final int PER_ROUND = 20;

    @Inject
    SwitchboardConfig config;

    @Inject
    DataSource dataSource;

    @Inject
    Mailer mailer;

    @Inject
    Emails emails;

    @Inject
    Presence presence;

    @Inject
    ObjectMapper json;

    private record Due(long id, String kind, long conversationId, String to, int attempts) {
    }

    /** What to send, or why not. */
    private record Outcome(Mail mail, String skipped, Long visitorId) {
    }

    @Scheduled(every = "${switchboard.email.poll:2s}", delayed = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void send() {
        if (!Emails.enabled(config)) {
            return;
        }
        try {
            for (Due due : lease()) {
                deliver(due);
            }
        } catch (SQLException e) {
            LOG.warnf("e-mail round failed: %s", e.getMessage());
        }
    }

    /**
     * Sent, skipped and failed e-mails are kept 30 days (to look into), used or expired links a day; a transcript
     * held for an address nobody confirmed is dropped when its confirmation link has expired, and the link too.
     */
    @Scheduled(every = "1h", delayed = "5m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        try (Connection c = dataSource.getConnection(); PreparedStatement outbox = c.prepareStatement(
                "delete from email_outbox where state not in ('pending', 'held') and created_at < now() - interval '30 days'");
                PreparedStatement links = c.prepareStatement(
                        "delete from email_link where expires_at < now() - interval '1 day' or used_at < now() - interval '1 day'");
                PreparedStatement held = c.prepareStatement("""
                        update email_outbox set state = 'skipped', last_error = 'the address was never confirmed'
                         where state = 'held' and created_at < now() - ? * interval '1 second'""");
                PreparedStatement confirmations = c.prepareStatement("delete from email_confirmation where expires_at < now()")) {
            outbox.executeUpdate();
            links.executeUpdate();
            held.setLong(1, config.email().confirmationTtl().toSeconds());
            held.executeUpdate();
            confirmations.executeUpdate();
        } catch (SQLException e) {
            LOG.warnf("e-mail sweep failed: %s", e.getMessage());
        }
    }

    private List<Due> lease() throws SQLException {
        List<Due> due = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("""
                update email_outbox set lease_until = now() + interval '2 minutes'
                 where id in (select id from email_outbox where id in (
                                  -- fair: every conversation's oldest due mail first, then each one's second…, so
                                  -- one visitor's pile never delays anyone else's mail
                                  select id from (select id, not_before, row_number() over (
                                                      partition by conversation_id order by not_before, id) as turn
                                                    from email_outbox where state = 'pending' and not_before <= now()
                                                     and (lease_until is null or lease_until < now())) due
                                   order by turn, not_before limit ?)
                               for update skip locked)
                returning id, kind, conversation_id, to_address, attempts""")) {
            s.setInt(1, PER_ROUND);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    due.add(new Due(r.getLong(1), r.getString(2), r.getLong(3), r.getString(4), r.getInt(5)));
                }
            }
        }
        return due;
    }

    private void deliver(Due due) throws SQLException {
        Outcome outcome;
        try (Connection c = dataSource.getConnection()) {
            outcome = compose(c, due);
        }
        if (outcome.mail() == null) {
            finish(due, "skipped", outcome.skipped());
            return;
        }
        try {
            mailer.send(outcome.mail());
            finish(due, "sent", null);
        } catch (RuntimeException e) {
            String error = String.valueOf(e.getMessage());
            error = error.length() > 300 ? error.substring(0, 300) : error;
            if (PERMANENT.matcher(error).find()) {
                finish(due, "bounced", error);
                if (outcome.visitorId() != null) {
                    bounced(outcome.visitorId(), error);
                }
                LOG.warnf("e-mail %d (%s) refused for good: %s", due.id(), due.kind(), error);
            } else if (due.attempts() + 1 >= config.email().maxAttempts()) {
                finish(due, "failed", error);
                LOG.warnf("e-mail %d (%s) given up after %d attempts: %s", due.id(), due.kind(), due.attempts() + 1, error);
            } else {
                retry(due, error);
            }
        }
    }

    private Outcome compose(Connection c, Due due) throws SQLException {
        String consoleUrl = emails.base() + "/console/#/c/" + due.conversationId();
        try (PreparedStatement s = c.prepareStatement("""
                select v.id, v.display_name, v.email, v.email_opt_out, v.email_bounced, v.language, v.email_verified_at,
                       coalesce((select r.last_read_seq from read_cursor r where r.conversation_id = k.id
                                  and r.reader_kind = 'visitor' and r.reader_id = k.visitor_id), 0) as read_seq
                  from conversation k join visitor v on v.id = k.visitor_id where k.id = ?""")) {
            s.setLong(1, due.conversationId());
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    return new Outcome(null, "the conversation is gone", null);
                }
                long visitorId = r.getLong("id");
                String name = r.getString("display_name");
                String email = r.getString("email");
                String locale = Letters.locale(r.getString("language"));
                if (due.kind().equals("team_alert")) {
                    if (presence.onlineCount().await().atMost(Duration.ofSeconds(10)) > 0) {
                        return new Outcome(null, "an agent was online", null);
                    }
                    List<Letters.Line> lines = lines(c, due.conversationId(), "m.author_kind = 'visitor'", 0, 20);
                    Letters.Letter letter = Letters.teamAlert(name, email, due.conversationId(), lines, consoleUrl);
                    return new Outcome(mail(due.to(), letter, null), null, null);
                }
                if (email == null) {
                    return new Outcome(null, "the visitor has no e-mail address", null);
                }
                if (due.kind().equals("confirm") && !email.equalsIgnoreCase(due.to())) {
                    return new Outcome(null, "the visitor's address changed before its confirmation went out", null);
                }
                if (r.getBoolean("email_opt_out")) {
                    return new Outcome(null, "the visitor unsubscribed", null);
                }
                if (r.getString("email_bounced") != null) {
                    return new Outcome(null, "the visitor's address failed before", null);
                }
                if (due.kind().equals("transcript") && r.getTimestamp("email_verified_at") == null) {
                    return new Outcome(null, "the visitor's address is not verified", null);
                }
                if (due.kind().equals("confirm")) {
                    String link = emails.confirmLink(c, visitorId, email);
                    String unsubscribe = emails.unsubscribeLink(c, visitorId);
                    return new Outcome(mail(email, Letters.confirm(locale, link), unsubscribe), null, visitorId);
                }
                List<Letters.Line> lines = due.kind().equals("replies")
                        ? lines(c, due.conversationId(), "m.author_kind = 'agent'", r.getLong("read_seq"), 50)
                        : lines(c, due.conversationId(), "m.author_kind in ('agent', 'visitor')", 0, config.email().transcriptMessages());
                if (lines.isEmpty() && due.kind().equals("replies")) {
                    return new Outcome(null, "the visitor read the replies in time", null);
                }
                String continueLink = emails.continueLink(c, visitorId, due.conversationId());
                String unsubscribe = emails.unsubscribeLink(c, visitorId);
                Letters.Letter letter = due.kind().equals("replies")
                        ? Letters.replies(locale, name, lines, continueLink, unsubscribe)
                        : Letters.transcript(locale, name, due.conversationId(), lines, continueLink, unsubscribe);
                return new Outcome(mail(email, letter, unsubscribe), null, visitorId);
            }
        }
    }

    private Mail mail(String to, Letters.Letter letter, String unsubscribe) {
        Mail mail = Mail.withText(to, letter.subject(), letter.text()).setHtml(letter.html()).setFrom(config.email().from().orElseThrow());
        if (unsubscribe != null) {
            // RFC 8058: mail clients offer a one-click unsubscribe that POSTs to this address.
            mail.addHeader("List-Unsubscribe", "<" + unsubscribe + ">");
            mail.addHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }
        return mail;
    }

    /** Public (never private notes) lines of the conversation after {@code after}, the newest {@code limit}, in order. */
    private List<Letters.Line> lines(Connection c, long conversationId, String which, long after, int limit) throws SQLException {
        List<Letters.Line> lines = new ArrayList<>();
        String sql = "select * from (select m.seq, m.author_kind, coalesce(a.display_name, v.display_name) as author,"
                + " m.created_at, m.text, m.attachments from message m"
                + " left join agent a on m.author_kind = 'agent' and a.id = m.author_id"
                + " left join visitor v on m.author_kind = 'visitor' and v.id = m.author_id"
                + " where m.conversation_id = ? and not m.internal and m.event is null and m.seq > ? and " + which
                + " order by m.seq desc limit ?) newest order by seq";
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setLong(1, conversationId);
            s.setLong(2, after);
            s.setInt(3, limit);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    List<String> files = new ArrayList<>();
                    String attachments = r.getString("attachments");
                    if (attachments != null) {
                        try {
                            for (JsonNode file : json.readTree(attachments)) {
                                files.add(file.path("name").asText());
                            }
                        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                            files.add("?");
                        }
                    }
                    lines.add(new Letters.Line(r.getString("author"), r.getString("author_kind").equals("visitor"),
                            r.getTimestamp("created_at").toInstant(), r.getString("text"), files));
                }
            }
        }
        return lines;
    }

    private void finish(Due due, String state, String why) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("""
                update email_outbox set state = ?, last_error = ?, attempts = attempts + case when ? = 'skipped' then 0 else 1 end,
                       sent_at = case when ? = 'sent' then now() end, lease_until = null where id = ?""")) {
            s.setString(1, state);
            s.setString(2, why);
            s.setString(3, state);
            s.setString(4, state);
            s.setLong(5, due.id());
            s.executeUpdate();
        }
    }

    private void retry(Due due, String error) throws SQLException {
        long base = config.email().backoffBase().toMillis();
        long delay = Math.min(Duration.ofHours(2).toMillis(), base << Math.min(20, due.attempts()));
        delay = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("""
                update email_outbox set attempts = attempts + 1, last_error = ?, not_before = now() + ?::interval,
                       lease_until = null where id = ?""")) {
            s.setString(1, error);
            s.setString(2, delay + " milliseconds");
            s.setLong(3, due.id());
            s.executeUpdate();
        }
    }

    private void bounced(long visitorId, String error) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("update visitor set email_bounced = ? where id = ?")) {
            s.setString(1, error);
            s.setLong(2, visitorId);
            s.executeUpdate();
        }
    }
}
