package io.switchboard.security;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.runtime.configuration.MemorySize;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.StreamedUploads;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * A request whose declared body is over {@code quarkus.http.limits.max-body-size} is answered at once,
 * before anything reads it: {@code 413} with the usual {@code {"error","message"}} body, and the connection
 * closed (the rest of the body is never read). A chunked body that grows past the limit is cut off by
 * Quarkus while it is read and reaches {@code ProblemMappers} as the same 413. Neither is logged as an error:
 * a client's oversize body is the client's fault, and cheap to send. Attachment uploads ({@link StreamedUploads})
 * are streamed under their own limit instead.
 */
@ApplicationScoped
public class BodyLimit {

    /** The Problem {@code payload_too_large}, as JSON (written before any JSON machinery runs). */
    static final String TOO_LARGE = ErrorCode.PAYLOAD_TOO_LARGE.json("the request body is over the limit");

    @ConfigProperty(name = "quarkus.http.limits.max-body-size")
    MemorySize limit;

    void register(@Observes Router router) {
        long max = limit.asLongValue();
        router.route().order(Integer.MIN_VALUE).handler(rc -> {
            String declared = rc.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            if (declared != null && tooLong(declared, max) && !StreamedUploads.matches(rc.request())) {
                refuse(rc);
                return;
            }
            rc.next();
        });
        // A body without a declared length (chunked): read here, within the limit, so that going over it is
        // answered with the error body too (Quarkus' own reader would answer an empty 413). The REST layer
        // then reads the buffered body.
        BodyHandler chunked = BodyHandler.create(false).setBodyLimit(max).setHandleFileUploads(false);
        router.route("/api/*").order(Integer.MIN_VALUE + 2).handler(rc -> {
            HttpMethod method = rc.request().method();
            if (rc.request().getHeader(HttpHeaders.CONTENT_LENGTH) == null && method != HttpMethod.GET
                    && method != HttpMethod.HEAD && method != HttpMethod.OPTIONS && !rc.request().isEnded()
                    && !StreamedUploads.matches(rc.request())) {
                chunked.handle(rc);
            } else {
                rc.next();
            }
        }).failureHandler(rc -> {
            if (rc.statusCode() == 413 && !rc.response().headWritten()) {
                refuse(rc);
            } else {
                rc.next();
            }
        });
    }

    /** 413 with the error body, and the connection closed: the rest of the body is not read. */
    private static void refuse(RoutingContext rc) {
        rc.response().setStatusCode(413).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CONNECTION, "close")
                .endHandler(v -> rc.request().connection().close()).end(TOO_LARGE);
    }

    private static boolean tooLong(String declared, long max) {
        try {
            return Long.parseLong(declared.trim()) > max;
        } catch (NumberFormatException e) {
            return false; // Vert.x refuses a malformed Content-Length itself
        }
    }
}
