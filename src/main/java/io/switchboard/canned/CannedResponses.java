package io.switchboard.canned;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Text;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.identity.Agent;
import io.switchboard.identity.Caller;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

/**
 * Canned responses: every agent reads the team's and their own; admins manage the team's, each agent their
 * own. Budgets ({@code switchboard.canned.*}): so many shared, so many per agent — one more is refused, so a
 * hostile or careless client cannot grow the table or the list every console loads.
 */
@ApplicationScoped
public class CannedResponses {

    private static final Pattern SHORTCUT = Pattern.compile("[a-z0-9_-]{1,32}");

    @Inject
    SwitchboardConfig config;

    /** The team's and the caller's own, by shortcut (a personal one after a shared one of the same name). */
    @Transactional
    public List<CannedResponseView> visibleTo(Caller.AgentCaller agent) {
        return CannedResponse.<CannedResponse> find("ownerId is null or ownerId = ?1 order by shortcut, ownerId nulls first", agent.id())
                .stream().map(CannedResponseView::of).toList();
    }

    @Transactional
    public CannedResponseView create(Caller.AgentCaller agent, String shortcut, String text, String scope) {
        boolean shared = parseScope(scope);
        requireManage(agent, shared);
        String key = shortcut(shortcut);
        String body = text(text);
        // Serialises creations by the same owner (or of shared ones), so the budget holds under concurrency.
        Agent.findById(agent.id(), LockModeType.PESSIMISTIC_WRITE);
        long count = shared ? CannedResponse.count("ownerId is null") : CannedResponse.count("ownerId", agent.id());
        int budget = shared ? config.canned().maxShared() : config.canned().maxPersonal();
        if (count >= budget) {
            throw new ApiException(ErrorCode.TOO_MANY_CANNED_RESPONSES, "at most " + budget + " "
                    + (shared ? "shared canned responses" : "canned responses of your own") + "; delete one first");
        }
        requireFree(key, shared ? null : agent.id(), null);
        CannedResponse response = new CannedResponse();
        response.shortcut = key;
        response.text = body;
        response.ownerId = shared ? null : agent.id();
        response.persist();
        return CannedResponseView.of(response);
    }

    @Transactional
    public CannedResponseView update(Caller.AgentCaller agent, long id, String shortcut, String text) {
        CannedResponse response = owned(agent, id);
        if (shortcut != null) {
            String key = shortcut(shortcut);
            requireFree(key, response.ownerId, response.id);
            response.shortcut = key;
        }
        if (text != null) {
            response.text = text(text);
        }
        response.updatedAt = CannedResponse.now();
        return CannedResponseView.of(response);
    }

    @Transactional
    public void delete(Caller.AgentCaller agent, long id) {
        owned(agent, id).delete();
    }

    /** One the caller may change: their own, or a shared one if they are an admin. Others' are "not found". */
    private CannedResponse owned(Caller.AgentCaller agent, long id) {
        CannedResponse response = CannedResponse.findById(id, LockModeType.PESSIMISTIC_WRITE);
        if (response == null || response.ownerId != null && response.ownerId != agent.id()) {
            throw new ApiException(ErrorCode.CANNED_RESPONSE_NOT_FOUND, "no canned response " + id + " of yours or the team's");
        }
        requireManage(agent, response.ownerId == null);
        return response;
    }

    private static void requireManage(Caller.AgentCaller agent, boolean shared) {
        if (shared && agent.role() != Agent.Role.admin) {
            throw new ApiException(ErrorCode.FORBIDDEN, "only admins manage the team's canned responses");
        }
    }

    private static void requireFree(String shortcut, Long ownerId, Long except) {
        long taken = ownerId == null
                ? CannedResponse.count("ownerId is null and shortcut = ?1 and id <> ?2", shortcut, except == null ? -1L : except)
                : CannedResponse.count("ownerId = ?1 and shortcut = ?2 and id <> ?3", ownerId, shortcut, except == null ? -1L : except);
        if (taken > 0) {
            throw new ApiException(ErrorCode.SHORTCUT_TAKEN, "/" + shortcut + " exists already");
        }
    }

    private static boolean parseScope(String scope) {
        if (scope == null || scope.equals("personal")) {
            return false;
        }
        if (scope.equals("shared")) {
            return true;
        }
        throw new ApiException(ErrorCode.MALFORMED_JSON, "scope is shared or personal");
    }

    private static String shortcut(String raw) {
        String key = raw == null ? "" : raw.strip().replaceFirst("^/", "").toLowerCase(Locale.ROOT);
        if (!SHORTCUT.matcher(key).matches()) {
            throw new ApiException(ErrorCode.INVALID_SHORTCUT, "a shortcut is 1-32 of a-z 0-9 _ -");
        }
        return key;
    }

    private String text(String text) {
        if (text == null || text.isBlank()) {
            throw new ApiException(ErrorCode.EMPTY_TEXT, "text must not be empty");
        }
        int max = config.messages().maxLength();
        if (text.codePointCount(0, text.length()) > max) {
            throw new ApiException(ErrorCode.TEXT_TOO_LONG, "text is longer than " + max + " characters");
        }
        if (!Text.storable(text)) {
            throw new ApiException(ErrorCode.INVALID_TEXT, "text must be valid Unicode without NUL characters");
        }
        return text;
    }
}
