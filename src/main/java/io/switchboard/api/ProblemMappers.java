package io.switchboard.api;

import java.io.IOException;
import java.sql.SQLException;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** Maps every failure to a {@link Problem}; a client never sees a class name or stack trace. */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response api(ApiException e) {
        if (e instanceof RateLimitedException limited) {
            return Response.status(limited.status()).type(MediaType.APPLICATION_JSON)
                    .header("Retry-After", limited.retryAfterSeconds()).entity(e.problem()).build();
        }
        return respond(e.status(), e.problem());
    }

    @ServerExceptionMapper({ UnauthorizedException.class, AuthenticationFailedException.class })
    public Response unauthorized(RuntimeException e) {
        return Response.status(401).type(MediaType.APPLICATION_JSON)
                .header("WWW-Authenticate", "Bearer realm=\"switchboard\"")
                .entity(ApiException.unauthorized().problem()).build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return respond(403, Problem.of(ErrorCode.FORBIDDEN, "not allowed for this caller"));
    }

    @ServerExceptionMapper
    public Response malformedJson(JsonProcessingException e) {
        return respond(400, Problem.of(ErrorCode.MALFORMED_JSON, "the request body is not valid JSON of the expected shape"));
    }

    /** Valid JSON of the wrong shape (an array, a number for a string): say which field, as a frame error does. */
    @ServerExceptionMapper
    public Response wrongShape(MismatchedInputException e) {
        String field = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
        String expected = expected(e.getTargetType());
        String message = field.isEmpty() ? "the request body must be a JSON object"
                : sanitize(field) + " must be " + expected;
        return respond(400, Problem.of(ErrorCode.MALFORMED_JSON, message));
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "of the documented type";
        }
        if (type == String.class) {
            return "a string";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive() && type != boolean.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        return type.isRecord() || !type.getName().startsWith("java.") ? "a JSON object" : "of the documented type";
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status == 400 && e.getCause() instanceof MismatchedInputException mismatch) {
            return wrongShape(mismatch);
        }
        if (status == 400 && e.getCause() instanceof JsonProcessingException) {
            return malformedJson(null);
        }
        if (status >= 500) {
            LOG.error("request failed", e);
            return respond(status, Problem.of(ErrorCode.INTERNAL_ERROR, "the server could not complete the request"));
        }
        ErrorCode code = switch (status) {
            case 401 -> ErrorCode.UNAUTHORIZED;
            case 403 -> ErrorCode.FORBIDDEN;
            case 404 -> ErrorCode.NOT_FOUND;
            case 405 -> ErrorCode.METHOD_NOT_ALLOWED;
            case 406 -> ErrorCode.NOT_ACCEPTABLE;
            case 413 -> ErrorCode.PAYLOAD_TOO_LARGE;
            case 415 -> ErrorCode.UNSUPPORTED_MEDIA_TYPE;
            default -> ErrorCode.BAD_REQUEST; // any other 4xx the framework raises: the request could not be read
        };
        Response answer = respond(status, Problem.of(code, e.getMessage() == null ? code.meaning() : sanitize(e.getMessage())));
        String allow = e.getResponse().getHeaderString("Allow");
        return allow == null ? answer : Response.fromResponse(answer).header("Allow", allow).build();
    }

    @ServerExceptionMapper(priority = Priorities.USER + 100)
    public Response unexpected(Exception e, HttpServerRequest request) {
        if (tooLarge(e)) { // a chunked body that grew past the limit while it was read: the client's fault
            if (request.response().ended()) { // Quarkus has answered 413 and closes the connection
                request.connection().close();
                return null;
            }
            return respond(413, Problem.of(ErrorCode.PAYLOAD_TOO_LARGE, "the request body is over the limit"));
        }
        if (StoreFailures.unavailable(e)) {
            LOG.warnf("store unavailable: %s", e.getClass().getSimpleName());
            return Response.status(503).type(MediaType.APPLICATION_JSON).header("Retry-After", "2")
                    .entity(StoreFailures.toApi().problem()).build();
        }
        if (unstorableCharacter(e)) { // a NUL in a body: PostgreSQL's text cannot hold it
            LOG.debugf("refused a request with a character the store cannot hold: %s", e.getClass().getSimpleName());
            return respond(400, Problem.of(ErrorCode.BAD_REQUEST, "the request contains a NUL character, which no field can hold"));
        }
        LOG.error("unexpected failure", e);
        return respond(500, Problem.of(ErrorCode.INTERNAL_ERROR, "the server could not complete the request"));
    }

    /** Quarkus cuts a body without Content-Length off at the limit with this IOException, however it is wrapped. */
    private static boolean tooLarge(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException && "Request too large".equals(t.getMessage())) {
                return true;
            }
        }
        return false;
    }

    /** PostgreSQL's "invalid byte sequence" (22021) or "untranslatable character" (22P05), however wrapped. */
    private static boolean unstorableCharacter(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && ("22021".equals(sql.getSQLState()) || "22P05".equals(sql.getSQLState()))) {
                return true;
            }
        }
        return false;
    }

    /** Framework messages sometimes embed class names; keep only the first sentence without them. */
    private static String sanitize(String message) {
        return message.contains("java.") || message.contains("io.") ? "the request could not be processed" : message;
    }

    private static Response respond(int status, Problem problem) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(problem).build();
    }
}
