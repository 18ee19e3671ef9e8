package io.switchboard.api;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A file on a message, identical on every transport. {@code url} is relative to the service's base and needs
 * the caller's credentials (cookie or bearer); a client that cannot send them (an {@code img} on another origin,
 * a mobile image loader) asks {@code GET /api/attachments/{id}/link} for a short-lived signed one.
 * {@code width}/{@code height}: an image's pixels, read from its header; null for other files.
 */
@RegisterForReflection
public record AttachmentView(String id, String name, long size, String contentType, Integer width, Integer height,
        String url) {

    public static final String PATH = "/api/attachments/";

    public static AttachmentView of(String id, String name, long size, String contentType, Integer width, Integer height) {
        return new AttachmentView(id, name, size, contentType, width, height, PATH + id);
    }

    /** Shown inline (an image a browser decodes safely); everything else is served as a download. */
    public boolean image() {
        return contentType.startsWith("image/");
    }
}
