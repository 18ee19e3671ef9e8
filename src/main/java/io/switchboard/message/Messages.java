package io.switchboard.message;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Text;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.identity.Caller;
import io.switchboard.security.RateLimiter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Sending a message, whatever transport it came in on: validate, then the one write path (a group commit
 * through {@link MessageWriter} and {@link MessageStore#append}).
 */
@ApplicationScoped
public class Messages {

    private static final Pattern CLIENT_MSG_ID = Pattern.compile("[A-Za-z0-9._:\\-]{1,64}");

    private static final Logger LOG = Logger.getLogger(Messages.class);

    private final MessageWriter writer;
    private final RateLimiter limiter;
    private final SwitchboardConfig config;
    private final Counter persisted;
    private final Counter duplicates;

    @Inject
    Messages(MessageWriter writer, SwitchboardConfig config, MeterRegistry registry, RateLimiter limiter) {
        this.writer = writer;
        this.limiter = limiter;
        this.config = config;
        this.persisted = Counter.builder("switchboard.messages.persisted")
                .description("Messages committed to the store").register(registry);
        this.duplicates = Counter.builder("switchboard.messages.duplicates")
                .description("Sends answered with an already stored message (same clientMsgId)").register(registry);
    }

    /**
     * Validates a send and queues it for the next batch; the future completes once it is committed (or with
     * the refusal: not found, not allowed, reused clientMsgId, overloaded, store unavailable). Never blocks:
     * safe on the event loop. Throws at once for invalid input, rate limits and a full write queue.
     * {@code internal}: an agents-only private note (a visitor is refused).
     */
    public CompletableFuture<SendResult> submit(Caller caller, long conversationId, String clientMsgId, String text,
            boolean internal) {
        return submit(caller, conversationId, clientMsgId, text, internal, null);
    }

    /**
     * A send with attachments: {@code attachmentIds} name the caller's uploads into this conversation (at most
     * {@code switchboard.attachments.max-per-message}); the text may then be empty.
     */
    public CompletableFuture<SendResult> submit(Caller caller, long conversationId, String clientMsgId, String text,
            boolean internal, List<String> attachmentIds) {
        if (internal && !caller.isAgent()) {
            throw new ApiException(ErrorCode.NOTES_ARE_FOR_AGENTS, "only agents write private notes");
        }
        List<UUID> attachments = attachments(attachmentIds);
        limiter.acquire(RateLimiter.Action.send, caller.key());
        boolean filesOnly = !attachments.isEmpty() && (text == null || text.isBlank());
        String body = filesOnly ? "" : text;
        if (!filesOnly) {
            validateText(body);
        }
        String id = clientMsgId == null ? "srv-" + UUID.randomUUID() : clientMsgId;
        if (!CLIENT_MSG_ID.matcher(id).matches()) {
            throw new ApiException(ErrorCode.INVALID_CLIENT_MSG_ID,
                    "clientMsgId must be 1-64 characters of letters, digits and . _ : -");
        }
        return writer.submit(caller, conversationId, id, body, internal, attachments).whenComplete((result, failure) -> {
            if (result != null) {
                (result.duplicate() ? duplicates : persisted).increment();
            }
        });
    }

    private List<UUID> attachments(List<String> ids) {
        if (ids == null || ids.isEmpty()) {
            return List.of();
        }
        int max = config.attachments().maxPerMessage();
        if (ids.size() > max) {
            throw new ApiException(ErrorCode.INVALID_ATTACHMENTS, "a message carries at most " + max + " attachments");
        }
        Set<UUID> unique = new LinkedHashSet<>();
        for (String id : ids) {
            try {
                if (id == null || !unique.add(UUID.fromString(id))) {
                    throw new ApiException(ErrorCode.INVALID_ATTACHMENTS, "attachments lists an id twice, or a null");
                }
            } catch (IllegalArgumentException e) {
                throw new ApiException(ErrorCode.ATTACHMENT_NOT_FOUND, "no attachment " + id);
            }
        }
        return List.copyOf(unique);
    }

    private void validateText(String text) {
        if (text == null || text.isBlank()) {
            throw new ApiException(ErrorCode.EMPTY_TEXT, "text must not be empty");
        }
        int codePoints = text.codePointCount(0, text.length());
        if (codePoints > config.messages().maxLength()) {
            throw new ApiException(ErrorCode.TEXT_TOO_LONG,
                    "text is " + codePoints + " characters; the limit is " + config.messages().maxLength());
        }
        if (!Text.storable(text)) {
            throw new ApiException(ErrorCode.INVALID_TEXT, "text must be valid Unicode without NUL characters");
        }
    }
}
