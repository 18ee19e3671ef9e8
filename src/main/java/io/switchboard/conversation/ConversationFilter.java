package io.switchboard.conversation;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.identity.Caller;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Which conversations a list or a search covers: status, assignee (an agent, nobody, or anybody but the
 * caller), a visitor's own, a label, and when they started ({@code from} inclusive, {@code to} exclusive).
 * Renders itself as SQL conditions on {@code c} with numbered parameters.
 */
public record ConversationFilter(Optional<ConversationStatus> status, Optional<Assignee> assignee, Optional<Long> visitor,
        Optional<String> label, Optional<Instant> from, Optional<Instant> to) {

    /** {@code agentId} 0 = unassigned; {@code others}: assigned to anybody but {@code agentId}. */
    public record Assignee(long agentId, boolean others) {
    }

    static final Pattern LABEL = Pattern.compile("[\\p{L}\\p{N}_-]{1,32}");

    /**
     * Parses the query parameters of a list or a search; a visitor always gets their own conversations only
     * (an assignee filter means nothing to them), an agent may ask for one visitor's ({@code visitorId}, null for
     * all). An agent's filters combine: one visitor's conversations assigned to nobody are exactly those.
     */
    public static ConversationFilter parse(Caller caller, String status, String assignee, String label, String from, String to,
            String visitorId) {
        Optional<ConversationStatus> statusFilter = status == null || status.isBlank() ? Optional.empty()
                : Optional.of(ConversationStatus.parse(status).orElseThrow(
                        () -> new ApiException(ErrorCode.INVALID_STATUS, "status is waiting, open or resolved")));
        Optional<Long> visitor = caller instanceof Caller.VisitorCaller ? Optional.of(caller.id()) : visitorId(visitorId);
        Optional<Assignee> assigneeFilter = caller instanceof Caller.VisitorCaller ? Optional.empty() : parseAssignee(assignee, caller);
        Optional<String> labelFilter = label == null || label.isBlank() ? Optional.empty() : Optional.of(normaliseLabel(label));
        return new ConversationFilter(statusFilter, assigneeFilter, visitor, labelFilter, date("from", from), date("to", to));
    }

    private static Optional<Long> visitorId(String raw) {
        if (raw == null || raw.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(raw.strip()));
        } catch (NumberFormatException e) {
            throw new ApiException(ErrorCode.VISITOR_NOT_FOUND, "visitor is a visitor's id");
        }
    }

    /** A label as stored: trimmed, lower case, 1-32 letters, digits, {@code _} or {@code -}. */
    public static String normaliseLabel(String raw) {
        String label = raw == null ? "" : raw.strip().toLowerCase(java.util.Locale.ROOT);
        if (!LABEL.matcher(label).matches()) {
            throw new ApiException(ErrorCode.INVALID_LABEL, "a label is 1-32 letters, digits, _ or -");
        }
        return label;
    }

    private static Optional<Assignee> parseAssignee(String assignee, Caller caller) {
        if (assignee == null || assignee.isBlank()) {
            return Optional.empty();
        }
        return switch (assignee) {
            case "me" -> Optional.of(new Assignee(caller.id(), false));
            case "none" -> Optional.of(new Assignee(0, false));
            case "others" -> Optional.of(new Assignee(caller.id(), true));
            default -> {
                try {
                    yield Optional.of(new Assignee(Long.parseLong(assignee), false));
                } catch (NumberFormatException e) {
                    throw new ApiException(ErrorCode.INVALID_ASSIGNEE, "assignee is me, none, others or an agent id");
                }
            }
        };
    }

    /** {@code 2026-11-30} (midnight UTC) or an instant such as {@code 2026-11-30T08:00:00Z}. */
    private static Optional<Instant> date(String name, String raw) {
        if (raw == null || raw.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(raw.length() == 10 ? LocalDate.parse(raw).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(raw));
        } catch (DateTimeParseException e) {
            throw new ApiException(ErrorCode.INVALID_DATE, name + " is a date (2026-11-30) or an instant (2026-11-30T08:00:00Z)");
        }
    }

    /** The conditions, {@code and}-ed, with their parameters appended to {@code args} ("" when none). */
    String where(Tuple args) {
        List<String> where = new ArrayList<>();
        status.ifPresent(s -> where.add("c.status = $" + add(args, s.name())));
        assignee.ifPresent(a -> {
            if (a.others()) {
                where.add("c.assignee_id <> $" + add(args, a.agentId()));
            } else if (a.agentId() == 0) {
                where.add("c.assignee_id is null");
            } else {
                where.add("c.assignee_id = $" + add(args, a.agentId()));
            }
        });
        visitor.ifPresent(v -> where.add("c.visitor_id = $" + add(args, v)));
        label.ifPresent(l -> where.add("exists (select 1 from conversation_label l where l.conversation_id = c.id and l.label = $"
                + add(args, l) + ")"));
        from.ifPresent(f -> where.add("c.created_at >= $" + add(args, f.atOffset(ZoneOffset.UTC))));
        to.ifPresent(t -> where.add("c.created_at < $" + add(args, t.atOffset(ZoneOffset.UTC))));
        return String.join(" and ", where);
    }

    boolean waitingOnly() {
        return status.filter(s -> s == ConversationStatus.waiting).isPresent();
    }

    private static int add(Tuple args, Object value) {
        args.addValue(value);
        return args.size();
    }
}
