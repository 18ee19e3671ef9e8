package io.switchboard.api;

import java.util.regex.Pattern;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

/**
 * The one request whose body may be larger than {@code quarkus.http.limits.max-body-size}: an attachment
 * upload, which is streamed to the store chunk by chunk under its own limit
 * ({@code switchboard.attachments.max-size}) instead of being read whole.
 */
public final class StreamedUploads {

    /** As a Vert.x route path. */
    public static final String ROUTE = "/api/conversations/:id/attachments";
    private static final Pattern PATH = Pattern.compile("/api/conversations/[^/]+/attachments/?");

    private StreamedUploads() {
    }

    public static boolean matches(HttpServerRequest request) {
        return request.method() == HttpMethod.POST && PATH.matcher(request.path()).matches();
    }
}
