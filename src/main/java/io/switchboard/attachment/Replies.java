package io.switchboard.attachment;

import java.util.concurrent.Executor;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.switchboard.api.ApiException;
import io.switchboard.api.Connections;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.RateLimitedException;
import io.switchboard.api.StoreFailures;
import io.switchboard.identity.Caller;
import io.switchboard.identity.Callers;
import io.vertx.core.Context;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * Answers of the two streaming routes (upload, download), which run as Vert.x routes rather than REST resources
 * so that no body is ever read whole: the caller as the authentication filter established it, and the same
 * JSON bodies and error answers ({@code {"error","message"}}, {@code Retry-After}) as the REST API.
 */
final class Replies {

    private static final Logger LOG = Logger.getLogger(Replies.class);

    private Replies() {
    }

    /** The authenticated caller; 401 when the request had no valid token. */
    static Caller caller(RoutingContext rc) {
        if (rc.user() instanceof QuarkusHttpUser user) {
            return Callers.of(user.getSecurityIdentity());
        }
        throw ApiException.unauthorized();
    }

    /** Runs what follows on the request's own event loop (the store may answer on another thread). */
    static Executor on(Context context) {
        return task -> context.runOnContext(v -> task.run());
    }

    static void json(RoutingContext rc, int status, Object body, ObjectMapper json) {
        String text;
        try {
            text = json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            fail(rc, e, false);
            return;
        }
        if (!rc.response().ended()) {
            rc.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(text);
        }
    }

    /**
     * The error answer for {@code failure}. {@code close}: the request's body was not read to its end, so the
     * connection cannot carry another request and is closed once the answer is out.
     */
    private static final java.util.List<CharSequence> FILE_HEADERS = java.util.List.of(HttpHeaders.CONTENT_LENGTH,
            HttpHeaders.CONTENT_RANGE, HttpHeaders.CONTENT_DISPOSITION, HttpHeaders.ETAG, HttpHeaders.LAST_MODIFIED,
            HttpHeaders.ACCEPT_RANGES, HttpHeaders.CACHE_CONTROL, HttpHeaders.EXPIRES);

    static void fail(RoutingContext rc, Throwable failure, boolean close) {
        HttpServerResponse response = rc.response();
        if (response.ended() || response.closed()) {
            return;
        }
        ApiException refusal = failure instanceof ApiException api ? api
                : StoreFailures.unavailable(failure) ? StoreFailures.toApi() : internal(failure);
        if (response.headWritten()) {
            Connections.closeNow(rc.request().connection()); // mid-download: the client sees a cut, not a wrong file
            return;
        }
        // A download that failed before its first byte: nothing of the file's own headers may go with the error
        // (its Content-Length would make the client wait for bytes that never come, a cache would keep it).
        for (CharSequence fileHeader : FILE_HEADERS) {
            if (refusal.errorCode() != ErrorCode.RANGE_NOT_SATISFIABLE || fileHeader != HttpHeaders.CONTENT_RANGE) {
                response.headers().remove(fileHeader); // a 416 keeps "Content-Range: bytes */size" (RFC 9110)
            }
        }
        response.setStatusCode(refusal.status()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        if (refusal instanceof RateLimitedException limited) {
            response.putHeader("Retry-After", Long.toString(limited.retryAfterSeconds()));
        } else if (refusal.errorCode() == ErrorCode.STORE_UNAVAILABLE) {
            response.putHeader("Retry-After", "2");
        }
        if (close) {
            // Once the answer is on the wire, the connection goes at once: a body left unread (refused on its
            // declared length) would keep Vert.x's own close waiting for the request's end for ever.
            response.putHeader(HttpHeaders.CONNECTION, "close").end(refusal.errorCode().json(refusal.getMessage()))
                    .onComplete(written -> Connections.closeNow(rc.request().connection()));
            return;
        }
        response.end(refusal.errorCode().json(refusal.getMessage()));
    }

    private static ApiException internal(Throwable failure) {
        LOG.errorf(failure, "attachment request failed");
        return new ApiException(ErrorCode.INTERNAL_ERROR, "the request could not be processed");
    }
}
