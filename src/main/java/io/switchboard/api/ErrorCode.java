package io.switchboard.api;

import java.util.Locale;

/**
 * Every error code the server can send, with the HTTP status it comes with. A WebSocket client gets the
 * same code in an {@code error} frame; {@link #closes} names the close code when the error also ends the
 * connection. {@code docs/protocol.md}'s error catalogue lists exactly these (a test compares the two).
 */
public enum ErrorCode {
    // 400: the request or frame is wrong; sending it again unchanged fails again
    BAD_REQUEST(400, "the HTTP request could not be read (bad syntax, missing parameter)"),
    MALFORMED_JSON(400, "the body is not JSON, or not of the expected shape; the message names the field"),
    MISSING_BODY(400, "the endpoint needs a JSON body and got none"),
    MALFORMED_FRAME(400, "a WebSocket frame that is not a JSON object with a `type`, or a field of the wrong type"),
    UNKNOWN_TYPE(400, "a WebSocket frame of a type the server does not know"),
    BINARY_NOT_SUPPORTED(400, "a binary WebSocket frame: frames are JSON text"),
    INVALID_CONVERSATION_ID(400, "a frame without a usable `conversationId`"),
    INVALID_CURSOR(400, "`after`, `before`, `Last-Event-ID` or `seq` is not plain decimal digits, or both `after` and `before`"),
    INVALID_LIMIT(400, "`limit` is not a number from 1 to the page size"),
    INVALID_PAGE(400, "`page` is not a number from 0"),
    INVALID_SIZE(400, "`size` is not a number from 1 to 100"),
    INVALID_WAIT(400, "`wait` is not a duration such as `25s` or `500ms`, or is given without `after` (`online` on the availability long-poll)"),
    INVALID_CALLBACK(400, "an iframe stream's `callback` is not a plain JavaScript identifier"),
    INVALID_STATUS(400, "a conversation status other than `waiting`, `open`, `resolved`"),
    INVALID_STATE(400, "a typing state other than `start`/`stop`, or a presence other than `online`/`away`"),
    INVALID_ASSIGNEE(400, "an `assignee` filter other than `me`, `none`, `others` or an agent id"),
    INVALID_LABEL(400, "a label that is not 1-32 letters, digits, `_` or `-`, or more than 10 on a conversation"),
    INVALID_DATE(400, "`from` or `to` that is not a date (`2026-11-30`) or an instant (`2026-11-30T08:00:00Z`)"),
    INVALID_QUERY(400, "a search `q` that is empty, over 200 characters or has no word to look for"),
    INVALID_SHORTCUT(400, "a canned response's shortcut that is not 1-32 of `a-z 0-9 _ -`"),
    UNKNOWN_AGENT(400, "assigning to an agent that does not exist"),
    INVALID_NAME(400, "a visitor name that is too long or has control, bidi-override or zero-width characters"),
    INVALID_CONTEXT(400, "a visitor context field that is not an http(s) address, a language tag or a time zone"),
    INVALID_EMAIL(400, "a visitor e-mail that is not an e-mail address"),
    MISSING_CREDENTIALS(400, "a login without username or password"),
    INVALID_USERNAME(400, "a new agent's username is not 2-64 characters of `a-z 0-9 . _ -`"),
    INVALID_PASSWORD(400, "a new agent's password is too short or too long"),
    EMPTY_TEXT(400, "a message with empty or blank text"),
    TEXT_TOO_LONG(400, "a message over 4000 characters (Unicode code points)"),
    INVALID_TEXT(400, "a message with NUL characters or unpaired surrogates"),
    INVALID_CLIENT_MSG_ID(400, "a `clientMsgId` that is not 1-64 of `A-Z a-z 0-9 . _ : -`"),
    INVALID_ATTACHMENTS(400, "`attachments` that is not a list of attachment ids, has one twice or more than 10 (the per-message limit)"),
    INVALID_IDEMPOTENCY_KEY(400, "an `Idempotency-Key` that is not 1-64 of `A-Z a-z 0-9 . _ : -`"),
    INVALID_UPLOAD(400, "an upload that is empty, a multipart form without a file or with more than one"),
    INVALID_WEBHOOK_URL(400, "a webhook url that is not absolute http(s), has user info, does not resolve, or resolves to an internal address not in `switchboard.webhooks.allowed-hosts`"),
    INVALID_WEBHOOK(400, "a webhook without events, with an unknown event type, or a description over 200 characters"),
    TOO_MANY_SUBSCRIPTIONS(400, "one more `resume` on a connection that follows 100 conversations"),
    // 401, 403, 404: who may do what
    UNAUTHORIZED(401, "no token, an unknown, expired or revoked one: log in again (agents) or create a visitor"),
    INVALID_CREDENTIALS(401, "wrong username or password"),
    INVALID_IDENTITY(401, "a signed visitor identity that is missing where the site requires one, malformed, badly signed, expired or valid for too long"),
    INVALID_LINK(403, "an attachment link whose signature does not match or that has expired (ask for a new one), or a continue link's one-time code that is unknown, used or expired"),
    FORBIDDEN(403, "the caller may not do this (a visitor on an agents' endpoint, a non-admin creating agents)"),
    ORIGIN_NOT_ALLOWED(403, "a request or handshake whose `Origin` is not allowed"),
    NOTES_ARE_FOR_AGENTS(403, "a visitor sending a private note (`internal: true`): notes are for agents only"),
    ASSIGNED_TO_ANOTHER_AGENT(403, "replying to or transferring a conversation a colleague holds"),
    NOT_FOUND(404, "no such endpoint"),
    CANNED_RESPONSE_NOT_FOUND(404, "no such canned response of the caller's or the team's"),
    ATTACHMENT_NOT_FOUND(404, "no such attachment, not uploaded by the caller into this conversation, or not the caller's to read"),
    CONVERSATION_NOT_FOUND(404, "no such conversation, or not the caller's"),
    WEBHOOK_NOT_FOUND(404, "no webhook endpoint with this id"),
    VISITOR_NOT_FOUND(404, "no visitor with this id (an agent looking one up)"),
    METHOD_NOT_ALLOWED(405, "the endpoint does not take this method"),
    NOT_ACCEPTABLE(406, "the `Accept` header asks for a type the endpoint cannot write"),
    // 409: the state of things disagrees
    ATTACHMENT_ALREADY_SENT(409, "an attachment already on another message: upload the file again to send it again"),
    IDENTITY_MISMATCH(409, "signing in a visitor who is already someone else: create a new visitor with this identity"),
    EMAIL_UNAVAILABLE(409, "a transcript for a visitor without an e-mail address, unsubscribed or whose address failed, or with e-mail not set up"),
    ALREADY_CLAIMED(409, "a colleague claimed the conversation first"),
    CLIENT_MSG_ID_REUSED(409, "a `clientMsgId` this author used in another conversation"),
    SHORTCUT_TAKEN(409, "a canned response with this shortcut exists (the team's, or the caller's own)"),
    TOO_MANY_CANNED_RESPONSES(409, "over the budget of canned responses (500 shared, 100 per agent by default)"),
    TOO_MANY_WEBHOOKS(409, "over the budget of webhook endpoints (20 by default)"),
    USERNAME_TAKEN(409, "an agent with this username exists"),
    // 413, 415, 416
    PAYLOAD_TOO_LARGE(413, "an HTTP body over 64 KiB (a WebSocket message over 64 KiB is closed with 1009 instead)"),
    UPLOAD_TOO_SLOW(408, "an upload that sent less than the minimum rate (1 KiB/s over 10 s by default) while the service waited: nothing was kept; retry on a better connection"),
    ATTACHMENT_TOO_LARGE(413, "an upload over the attachment size limit (10 MB by default): nothing was kept"),
    UNSUPPORTED_MEDIA_TYPE(415, "a body that is not `application/json`"),
    ATTACHMENT_TYPE_NOT_ALLOWED(415, "an upload whose content (detected from its bytes) is not an allowed type"),
    RANGE_NOT_SATISFIABLE(416, "a `Range` that starts past the end of the attachment"),
    // 429: this client went over one of its limits; wait Retry-After
    RATE_LIMITED(429, "over a rate limit; on a WebSocket, 50 refusals close the connection", 1008),
    LOGIN_LOCKED(429, "too many failed logins for this username from this address (or for the account)"),
    TOO_MANY_CONNECTIONS(429, "over the live connections per identity or per address", 4429),
    // 500, 503: the service's side; retry (sends with the same clientMsgId)
    INTERNAL_ERROR(500, "an unexpected failure; it is logged"),
    OVERLOADED(503, "the service is shedding load: nothing was stored; retry after a jittered pause"),
    STORE_UNAVAILABLE(503, "PostgreSQL is unreachable: nothing was stored; retry shortly"),
    INSTANCE_FULL(503, "this replica holds as many live connections as its memory allows: connect again after `Retry-After` to reach another", 1013),
    DRAINING(503, "the instance is shutting down: connect again to reach another replica", 1001);

    private final int status;
    private final String meaning;
    private final int closes;

    ErrorCode(int status, String meaning) {
        this(status, meaning, 0);
    }

    ErrorCode(int status, String meaning, int closes) {
        this.status = status;
        this.meaning = meaning;
        this.closes = closes;
    }

    /** The code on the wire: the constant's name in lower case. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public int status() {
        return status;
    }

    public String meaning() {
        return meaning;
    }

    /** The WebSocket close code that comes with this error when it ends the connection, else 0. */
    public int closes() {
        return closes;
    }

    /** The body of an error response, as JSON, for places that answer before any JSON machinery runs. */
    public String json(String message) {
        return "{\"error\":\"" + code() + "\",\"message\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
    }

    @Override
    public String toString() {
        return code();
    }
}
