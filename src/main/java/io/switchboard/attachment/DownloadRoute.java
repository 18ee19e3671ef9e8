package io.switchboard.attachment;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.smallrye.mutiny.Uni;
import io.switchboard.api.ApiException;
import io.switchboard.api.AttachmentView;
import io.switchboard.api.ErrorCode;
import io.switchboard.identity.Caller;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * {@code GET /api/attachments/{id}}: the file, to the conversation's participants (cookie or bearer) or to
 * whoever holds a valid signed link ({@code ?exp=&sig=}). Streamed from the {@link BlobStore} one chunk at a
 * time as the client takes them (a slow reader pauses the reads, it does not fill the heap). Single byte
 * ranges are answered with 206. Only images a browser decodes safely are shown inline; everything else is a
 * download, and every answer says {@code nosniff} and carries a sandboxing CSP, so a file can never run as a
 * page of this origin.
 */
@ApplicationScoped
class DownloadRoute {

    /** {@code bytes=first-last}, {@code bytes=first-}, {@code bytes=-suffix}: one range. */
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d{0,19})-(\\d{0,19})");
    static final String CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox";

    @Inject Attachments attachments;
    @Inject BlobStore blobs;
    @Inject LinkSigner signer;

    void register(@Observes Router router) {
        router.route(HttpMethod.GET, AttachmentView.PATH + ":id").order(UploadRoute.ORDER).handler(this::download);
        router.route(HttpMethod.HEAD, AttachmentView.PATH + ":id").order(UploadRoute.ORDER).handler(this::download);
    }

    void download(RoutingContext rc) {
        Context context = Vertx.currentContext();
        Uni<Optional<Attachments.Stored>> found;
        Instant cacheUntil;
        try {
            UUID id = id(rc.pathParam("id"));
            String sig = rc.request().getParam("sig");
            if (sig != null) {
                String exp = rc.request().getParam("exp");
                found = signer.valid(id, exp, sig, Instant.now()).chain(valid -> {
                    if (!valid) {
                        throw new ApiException(ErrorCode.INVALID_LINK, "this link is expired or not valid; ask for a new one");
                    }
                    return attachments.ready(id);
                });
                cacheUntil = exp != null && exp.matches("\\d{1,12}") ? Instant.ofEpochSecond(Long.parseLong(exp)) : Instant.now();
            } else {
                Caller caller = Replies.caller(rc);
                found = attachments.readable(caller, id);
                cacheUntil = null;
            }
        } catch (RuntimeException e) {
            Replies.fail(rc, e, false);
            return;
        }
        found.emitOn(Replies.on(context)).subscribe().with(stored -> {
            if (stored.isEmpty()) {
                Replies.fail(rc, notFound(), false);
            } else {
                send(rc, stored.get(), cacheUntil, context);
            }
        }, failure -> Replies.fail(rc, failure, false));
    }

    private void send(RoutingContext rc, Attachments.Stored file, Instant cacheUntil, Context context) {
        HttpServerResponse response = rc.response();
        String etag = "\"" + HexFormat.of().formatHex(file.sha256()) + "\"";
        long maxAge = cacheUntil == null ? 3600 : Math.max(0, Duration.between(Instant.now(), cacheUntil).toSeconds());
        response.putHeader(HttpHeaders.CONTENT_TYPE, file.contentType())
                .putHeader("Content-Disposition", disposition(file))
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Content-Security-Policy", CSP)
                .putHeader(HttpHeaders.CACHE_CONTROL, "private, max-age=" + maxAge)
                .putHeader(HttpHeaders.ETAG, etag)
                .putHeader(HttpHeaders.ACCEPT_RANGES, "bytes");
        if (etag.equals(rc.request().getHeader(HttpHeaders.IF_NONE_MATCH))) {
            response.setStatusCode(304).end();
            return;
        }
        long first = 0;
        long last = file.size() - 1;
        String range = rc.request().getHeader("Range");
        String ifRange = rc.request().getHeader("If-Range");
        if (range != null && (ifRange == null || ifRange.equals(etag))) {
            Matcher m = RANGE.matcher(range.replace(" ", ""));
            if (m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
                if (m.group(1).isEmpty()) {
                    first = Math.max(0, file.size() - Long.parseLong(m.group(2)));
                } else {
                    first = Long.parseLong(m.group(1));
                    last = m.group(2).isEmpty() ? last : Math.min(last, Long.parseLong(m.group(2)));
                }
                if (first >= file.size() || first > last) {
                    response.putHeader("Content-Range", "bytes */" + file.size());
                    Replies.fail(rc, new ApiException(ErrorCode.RANGE_NOT_SATISFIABLE,
                            "the file has " + file.size() + " bytes"), false);
                    return;
                }
                response.setStatusCode(206).putHeader("Content-Range", "bytes " + first + "-" + last + "/" + file.size());
            }
            // Several ranges, or a syntax this does not know: the whole file (RFC 9110 allows ignoring Range).
        }
        response.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(last - first + 1));
        if (rc.request().method() == HttpMethod.HEAD) {
            response.end();
            return;
        }
        new Stream(rc, file, first, last, context).next();
    }

    /** Writes chunks in order while the client keeps up; waits for the socket to drain when it does not. */
    private final class Stream {
        private final RoutingContext rc;
        private final Attachments.Stored file;
        private final long last;
        private final Context context;
        private long position;
        /** A chunk is being read: one at a time, whoever (the last write, or a drained socket) asks next. */
        private boolean reading;

        Stream(RoutingContext rc, Attachments.Stored file, long first, long last, Context context) {
            this.rc = rc;
            this.file = file;
            this.position = first;
            this.last = last;
            this.context = context;
        }

        void next() {
            HttpServerResponse response = rc.response();
            if (response.closed() || reading) {
                return;
            }
            if (position > last) {
                response.end();
                return;
            }
            if (response.writeQueueFull()) {
                // Once: Vert.x calls a drain handler on every drain, and a second reader would skip bytes.
                response.drainHandler(v -> {
                    response.drainHandler(null);
                    next();
                });
                return;
            }
            int n = (int) (position / file.chunkSize());
            long chunkStart = (long) n * file.chunkSize();
            reading = true;
            blobs.get(file.id(), n).emitOn(Replies.on(context)).subscribe().with(chunk -> {
                reading = false;
                int from = (int) (position - chunkStart);
                int to = (int) Math.min(chunk.length(), last - chunkStart + 1);
                Buffer part = from == 0 && to == chunk.length() ? chunk : chunk.slice(from, to);
                position = chunkStart + to;
                if (!response.closed()) {
                    response.write(part);
                    next();
                }
            }, failure -> {
                reading = false;
                Replies.fail(rc, failure, false);
            });
        }
    }

    /** {@code inline} for images a browser shows safely, else {@code attachment}; the name as RFC 6266 says. */
    static String disposition(Attachments.Stored file) {
        String ascii = file.name().replaceAll("[^\\x20-\\x7e]", "_").replace("\"", "_").replace("\\", "_");
        String encoded = URLEncoder.encode(file.name(), StandardCharsets.UTF_8).replace("+", "%20");
        return (ContentTypes.inline(file.contentType()) ? "inline" : "attachment") + "; filename=\"" + ascii
                + "\"; filename*=UTF-8''" + encoded;
    }

    /** An attachment id from a path; anything that is not one is simply not found. */
    static UUID id(String raw) {
        try {
            return UUID.fromString(raw);
        } catch (IllegalArgumentException e) {
            throw notFound();
        }
    }

    static ApiException notFound() {
        return new ApiException(ErrorCode.ATTACHMENT_NOT_FOUND, "no such attachment");
    }
}
