package io.switchboard.attachment;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.smallrye.mutiny.Uni;
import io.switchboard.api.ApiException;
import io.switchboard.api.ClientAddress;
import io.switchboard.api.Connections;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Params;
import io.switchboard.api.StreamedUploads;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.conversation.ConversationReader;
import io.switchboard.identity.Caller;
import io.switchboard.security.RateLimiter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.ReadStream;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * {@code POST /api/conversations/{id}/attachments}: a file, as the raw body ({@code ?name=} gives its name) or
 * as the one file of a {@code multipart/form-data} form, streamed to the {@link BlobStore} one chunk at a time:
 * the request is paused while a chunk is written (TCP back-pressure), so an upload holds about one chunk in
 * memory whatever the file's size (bench/run.sh's "upload" step measures it), and a slow one holds no database connection while it waits. The type is
 * detected from the first bytes; the size limit is counted on the bytes, whatever {@code Content-Length} said.
 * A refused upload (too large, wrong type, empty) leaves nothing behind; its body is read and dropped up to one
 * more limit's worth so that the client hears the answer, and beyond that the connection is closed.
 */
@ApplicationScoped
class UploadRoute {

    private static final Logger LOG = Logger.getLogger(UploadRoute.class);

    /** After authentication (filter order -200) and authorisation (-100); before Quarkus' body limit (-2). */
    static final int ORDER = -3;
    /** The window over which an upload's rate is judged. */
    private static final long RATE_WINDOW_MILLIS = 10_000;
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._:\\-]{1,64}");
    /** A multipart form's boundaries and part headers, on top of the file. */
    private static final long MULTIPART_OVERHEAD = 16 * 1024;

    @Inject Attachments attachments;
    @Inject BlobStore blobs;
    @Inject ContentTypes types;
    @Inject ConversationReader conversations;
    @Inject RateLimiter limiter;
    @Inject UploadBudget budget;
    @Inject SwitchboardConfig config;
    @Inject ObjectMapper json;
    @Inject Vertx vertx;

    void register(@Observes Router router) {
        router.post(StreamedUploads.ROUTE).order(ORDER).handler(this::upload);
    }

    void upload(RoutingContext rc) {
        HttpServerRequest request = rc.request();
        request.pause();
        long max = config.attachments().maxSize().asLongValue();
        boolean multipart = isMultipart(request);
        Caller caller;
        long conversationId;
        String key;
        UploadBudget.Slot slot;
        try {
            caller = Replies.caller(rc);
            conversationId = Params.conversationId(rc.pathParam("id"));
            key = idempotencyKey(request);
            long declared = declaredLength(request);
            if (declared > max + (multipart ? MULTIPART_OVERHEAD : 0)) {
                throw tooLarge(max);
            }
            limiter.acquire(RateLimiter.Action.upload, caller.key());
            slot = budget.take(caller.key(), ClientAddress.of(request));
        } catch (RuntimeException e) {
            refuseUnread(rc, e, max);
            return;
        }
        Context context = Vertx.currentContext();
        conversations.visibleTo(caller, conversationId)
                .chain(c -> key == null ? Uni.createFrom().item(Optional.<Attachments.Stored> empty()) : attachments.byKey(caller, key))
                .emitOn(Replies.on(context))
                .subscribe().with(earlier -> {
                    if (earlier.isEmpty()) {
                        new Upload(rc, caller, conversationId, key, slot, context, max).start(multipart);
                        return;
                    }
                    slot.release();
                    if (earlier.get().conversationId() != conversationId) {
                        refuseUnread(rc, new ApiException(ErrorCode.INVALID_IDEMPOTENCY_KEY,
                                "this Idempotency-Key was used for an upload into another conversation"), max);
                    } else {
                        // A retry of an upload that completed: the same attachment, and its body is not needed.
                        rc.response().putHeader(HttpHeaders.CONNECTION, "close")
                                .endHandler(v -> Connections.closeNow(request.connection()));
                        Replies.json(rc, 200, earlier.get().view(), json);
                    }
                }, failure -> {
                    slot.release();
                    refuseUnread(rc, failure, max);
                });
    }

    /**
     * Refuses before the body was read: it is read and dropped when it is small enough to be worth it (so the
     * client, still sending, gets the answer rather than a reset connection), else the connection is closed.
     */
    private static void refuseUnread(RoutingContext rc, Throwable failure, long max) {
        HttpServerRequest request = rc.request();
        long declared;
        try {
            declared = declaredLength(request);
        } catch (ApiException e) {
            declared = Long.MAX_VALUE;
        }
        boolean tooLarge = failure instanceof ApiException refusal && refusal.errorCode() == ErrorCode.ATTACHMENT_TOO_LARGE;
        if (request.isEnded() || tooLarge || declared > 2 * max || expectsContinue(request)) {
            // Ended; declared over the limit (refused on the header, whatever the client does next: reading a
            // body only to refuse it is work an attacker gets for free); or not sent at all (the client waits for
            // a 100 Continue it will not get): answer now, and close.
            Replies.fail(rc, failure, !request.isEnded());
            return;
        }
        long[] dropped = { 0 };
        request.handler(b -> {
            dropped[0] += b.length();
            if (dropped[0] > 2 * max) {
                Replies.fail(rc, failure, true);
            }
        });
        request.endHandler(v -> Replies.fail(rc, failure, false));
        request.resume();
    }

    private static boolean expectsContinue(HttpServerRequest request) {
        return "100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT));
    }

    private static boolean isMultipart(HttpServerRequest request) {
        String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
        return type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/form-data");
    }

    /** The declared body length, -1 when chunked. */
    private static long declaredLength(HttpServerRequest request) {
        String declared = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (declared == null) {
            return -1;
        }
        try {
            return Long.parseLong(declared.trim());
        } catch (NumberFormatException e) {
            throw new ApiException(ErrorCode.BAD_REQUEST, "Content-Length is not a number");
        }
    }

    private static String idempotencyKey(HttpServerRequest request) {
        String key = request.getHeader("Idempotency-Key");
        if (key != null && !KEY.matcher(key).matches()) {
            throw new ApiException(ErrorCode.INVALID_IDEMPOTENCY_KEY, "Idempotency-Key must be 1-64 characters of letters, digits and . _ : -");
        }
        return key;
    }

    static ApiException tooLarge(long max) {
        return new ApiException(ErrorCode.ATTACHMENT_TOO_LARGE, "an attachment is at most " + max + " bytes");
    }

    /** One upload in progress; every method runs on the request's event loop. */
    private final class Upload {
        private final RoutingContext rc;
        private final Caller caller;
        private final long conversationId;
        private final String key;
        private final UploadBudget.Slot slot;
        private final Context context;
        private final long max;
        private final int chunkSize = (int) config.attachments().chunkSize().asLongValue();
        private final MessageDigest sha256 = sha256();
        private Buffer pending = Buffer.buffer();
        private ReadStream<Buffer> source;
        private String name = FileNames.FALLBACK;
        private String type;
        private ImageSize image;
        private UUID id;
        private int chunks;
        private long size;
        private long dropped;
        private boolean writing;
        private boolean ended;
        private boolean requestEnded;
        private boolean multipart;
        private boolean completeAtRequestEnd;
        private boolean done;
        /** Its row is being made or deleted: a refusal is answered once nothing of it is left. */
        private int settling;
        private boolean discarded;
        private ApiException refusal;
        /** Bytes since the rate was last checked, and whether the service paused the source meanwhile. */
        private long sinceCheck;
        private boolean pausedInWindow;
        private long watchdog = -1;

        Upload(RoutingContext rc, Caller caller, long conversationId, String key, UploadBudget.Slot slot, Context context,
                long max) {
            this.rc = rc;
            this.caller = caller;
            this.conversationId = conversationId;
            this.key = key;
            this.slot = slot;
            this.context = context;
            this.max = max;
        }

        void start(boolean multipart) {
            this.multipart = multipart;
            HttpServerRequest request = rc.request();
            watch();
            rc.response().closeHandler(v -> {
                if (!done) {
                    stop(); // the client went away mid-upload
                }
            });
            request.exceptionHandler(e -> {
                if (!done) {
                    stop();
                }
            });
            if (expectsContinue(request)) {
                rc.response().writeContinue(); // curl and mobile stacks ask before sending a large body
            }
            if (multipart) {
                request.setExpectMultipart(true);
                request.uploadHandler(part -> {
                    if (source != null || done) {
                        part.handler(this::drop);
                        if (!done) {
                            refuse(new ApiException(ErrorCode.INVALID_UPLOAD, "one file per upload"));
                        }
                        return;
                    }
                    name = FileNames.sanitise(part.filename());
                    source = part;
                    part.handler(this::data);
                    part.endHandler(v -> end());
                });
                request.endHandler(v -> {
                    requestEnded = true;
                    if (source == null && !done) {
                        refuse(new ApiException(ErrorCode.INVALID_UPLOAD, "the form has no file"));
                    } else if (completeAtRequestEnd && !done) {
                        complete();
                    }
                    answerRefusal();
                });
            } else {
                name = FileNames.sanitise(request.getParam("name"));
                source = request;
                request.handler(this::data);
                request.endHandler(v -> {
                    requestEnded = true;
                    end();
                    answerRefusal();
                });
            }
            request.resume();
        }

        private void data(Buffer bytes) {
            if (done) {
                drop(bytes);
                return;
            }
            size += bytes.length();
            sinceCheck += bytes.length();
            if (size > max) {
                refuse(tooLarge(max));
                return;
            }
            sha256.update(bytes.getByteBuf().nioBuffer()); // no copy
            pending.appendBuffer(bytes);
            if (type == null && pending.length() >= ContentTypes.SNIFF_BYTES && !typed()) {
                return;
            }
            if (pending.length() >= chunkSize) {
                write();
            }
        }

        private void end() {
            ended = true;
            if (done) {
                return;
            }
            if (size == 0) {
                refuse(new ApiException(ErrorCode.INVALID_UPLOAD, "the file is empty"));
                return;
            }
            if (type == null && !typed()) {
                return;
            }
            if (!writing) {
                write();
            }
        }

        /** Detects the type from the first bytes; refuses the upload when it is not allowed. */
        private boolean typed() {
            type = types.detect(pending.getBytes(0, Math.min(pending.length(), ContentTypes.SNIFF_BYTES)), name);
            if (!types.allowed(type)) {
                refuse(new ApiException(ErrorCode.ATTACHMENT_TYPE_NOT_ALLOWED, "files of type " + type + " are not accepted"));
                return false;
            }
            name = types.nameFor(name, type);
            return true;
        }

        /** Writes the next whole chunk (or, at the end, the rest), with the source paused meanwhile. */
        private void write() {
            Buffer chunk;
            if (pending.length() >= chunkSize) {
                chunk = pending.getBuffer(0, chunkSize);
                pending = pending.getBuffer(chunkSize, pending.length());
            } else if (ended && pending.length() > 0) {
                chunk = pending;
                pending = Buffer.buffer();
            } else if (ended) {
                complete();
                return;
            } else {
                return;
            }
            if (chunks == 0 && type.startsWith("image/")) {
                image = ImageSize.of(type, chunk.getBytes(), chunk.length());
            }
            writing = true;
            pausedInWindow = true;
            if (!ended) {
                source.pause();
            }
            int n = chunks++;
            row().chain(id -> done ? Uni.createFrom().voidItem() : blobs.put(id, n, chunk))
                    .emitOn(Replies.on(context))
                    .subscribe().with(v -> {
                        writing = false;
                        if (done) {
                            discardIfStopped(); // stopped while this chunk was being written
                            answerRefusal();
                            return;
                        }
                        if (pending.length() >= chunkSize || ended) {
                            write();
                        } else {
                            source.resume();
                        }
                    }, failure -> {
                        writing = false;
                        if (done) {
                            discardIfStopped();
                            answerRefusal();
                        } else {
                            failed(failure);
                        }
                    });
        }

        private Uni<UUID> row() {
            if (id != null) {
                return Uni.createFrom().item(id);
            }
            settling++;
            return attachments.begin(caller, conversationId, name, key, chunkSize)
                    .emitOn(Replies.on(context))
                    .onTermination().invoke(() -> settling--)
                    .invoke(created -> {
                        id = created;
                        discardIfStopped(); // stopped while the row was being made
                    });
        }

        private void complete() {
            if (multipart && !requestEnded) {
                completeAtRequestEnd = true; // a second file may still come, and refuse the form
                return;
            }
            attachments.finish(id, caller, conversationId, name, type, size, sha256.digest(), image)
                    .emitOn(Replies.on(context))
                    .subscribe().with(finished -> {
                        if (done) {
                            return;
                        }
                        done = true;
                        slot.release();
                        Replies.json(rc, finished.duplicate() ? 200 : 201, finished.view(), json);
                    }, this::failed);
        }

        /** The client's fault: nothing is kept, the rest of the body is dropped, the answer goes at the end. */
        private void refuse(ApiException why) {
            if (done) {
                return;
            }
            refusal = why;
            stop();
            if (source != null && !ended) {
                source.handler(this::drop);
                source.resume();
            } else if (!rc.request().isEnded()) {
                rc.request().resume(); // a multipart form goes on after its file: read to its end, then answer
            }
            answerRefusal();
        }

        private void answerRefusal() {
            if (refusal != null && settling == 0 && !writing && (requestEnded || rc.request().isEnded())) {
                Replies.fail(rc, refusal, false);
            }
        }

        private void drop(Buffer bytes) {
            dropped += bytes.length();
            if (dropped > max && refusal != null) {
                Replies.fail(rc, refusal, true); // still sending: not worth reading any more
            }
        }

        /** The store failed: 503 (or 500), nothing kept. */
        private void failed(Throwable failure) {
            if (done) {
                return;
            }
            stop();
            Replies.fail(rc, failure, !rc.request().isEnded());
        }

        /**
         * Every {@link #RATE_WINDOW_MILLIS}, an upload the service was waiting for (not one it paused to write a
         * chunk) must have sent at least {@code min-upload-rate} over the window, or it is cut: a trickle (a byte
         * every few seconds) must not hold one of the instance's places for as long as it likes.
         */
        private void watch() {
            long minimum = config.attachments().minUploadRate().asLongValue() * RATE_WINDOW_MILLIS / 1000;
            watchdog = vertx.setPeriodic(RATE_WINDOW_MILLIS, t -> context.runOnContext(v -> {
                if (done || ended) {
                    vertx.cancelTimer(watchdog);
                    return;
                }
                boolean waited = !writing && !pausedInWindow;
                if (waited && sinceCheck < minimum) {
                    vertx.cancelTimer(watchdog);
                    stop();
                    Replies.fail(rc, new ApiException(ErrorCode.UPLOAD_TOO_SLOW, "the upload sent " + sinceCheck + " bytes in "
                            + RATE_WINDOW_MILLIS / 1000 + " s: too slow to keep a place"), true);
                    return;
                }
                sinceCheck = 0;
                pausedInWindow = writing;
            }));
        }

        /** Ends the upload: its place released, anything stored deleted, no more chunks written. */
        private void stop() {
            done = true;
            vertx.cancelTimer(watchdog);
            slot.release();
            pending = Buffer.buffer();
            discardIfStopped();
        }

        /** Once stopped and no chunk write is in flight (it would land after the delete), deletes what was stored. */
        private void discardIfStopped() {
            if (done && id != null && !writing) {
                discard(id);
            }
        }

        private void discard(UUID gone) {
            if (discarded) {
                return;
            }
            discarded = true;
            settling++;
            attachments.abort(gone).emitOn(Replies.on(context)).subscribe().with(v -> {
                settling--;
                answerRefusal();
            }, e -> {
                settling--;
                LOG.warnf("attachment %s not deleted after a failed upload (the sweep will): %s", gone, e.toString());
                answerRefusal();
            });
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
