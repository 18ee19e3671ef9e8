package io.switchboard.live.transport;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Pattern;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestMulti;

import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.switchboard.api.ApiException;
import io.switchboard.api.ClientAddress;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Params;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.conversation.ConversationReader;
import io.switchboard.identity.Caller;
import io.switchboard.identity.Callers;
import io.switchboard.identity.Roles;
import io.switchboard.live.FrameWriter;
import io.switchboard.live.Transport;
import io.switchboard.security.SecurityHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

/**
 * The "forever frame": an HTML document loaded in a hidden iframe that never finishes. Each frame is a
 * {@code <script>} calling {@code parent.<callback>(frame)}. Padding first, so old browsers render early;
 * after a bounded size or time a {@code reconnect} frame with the cursor, then the end of the document, so
 * the client reopens the frame and the document cannot grow without bound.
 */
@Tag(name = "streams")
@Path("/api/conversations/{id}/iframe-stream")
public class IframeStreamTransport {

    private static final Pattern CALLBACK = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]{0,63}");

    @Inject ConversationReader conversations;
    @Inject EventStream streams;
    @Inject SecurityHeaders headers;
    @Inject Callers callers;
    @Inject FrameWriter frames;
    @Inject SwitchboardConfig config;

    /** Per instance, not static: a static one would be seeded once, at native-image build time. */
    private final SecureRandom random = new SecureRandom();

    @GET
    @Produces(MediaType.TEXT_HTML + ";charset=utf-8")
    @RolesAllowed({ Roles.VISITOR, Roles.AGENT })
    @Blocking
    @APIResponse(responseCode = "200", description = "an HTML document of script calls, one per frame; ends with a reconnect frame",
            content = @Content(mediaType = "text/html", schema = @Schema(type = SchemaType.STRING)))
    @Operation(operationId = "streamIframe", summary = "A conversation's frames as an iframe stream (forever frame)")
    public RestMulti<String> stream(@PathParam("id") String id, @QueryParam("after") String after,
            @QueryParam("callback") String callback, @Context HttpServerRequest request,
            @Context HttpServerResponse response) {
        long conversationId = Params.conversationId(id);
        long cursor = Params.cursor("after", request.getParam("after")).orElse(0);
        Caller caller = callers.current();
        conversations.visibleTo(caller, conversationId).await().atMost(Duration.ofSeconds(10));
        return open(caller, conversationId, cursor, callback, request, response);
    }

    /** A conversation ({@code conversationId != null}) or an agent's feed, as a forever frame. */
    RestMulti<String> open(Caller caller, Long conversationId, long after, String callback, HttpServerRequest request,
            HttpServerResponse response) {
        String function = callback == null || callback.isBlank() ? "switchboardFrame" : callback;
        if (!CALLBACK.matcher(function).matches()) {
            throw new ApiException(ErrorCode.INVALID_CALLBACK, "callback must be a plain JavaScript identifier");
        }
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        IframeEncoder encoder = new IframeEncoder(frames, config.iframe(), function,
                Base64.getEncoder().encodeToString(nonce), after);
        Multi<String> chunks = streams.open(caller, callers.tokenHash(), ClientAddress.of(request), Transport.iframe,
                conversationId, after, config.iframe().heartbeat(), response, encoder);
        return RestMulti.fromMultiData(chunks)
                // Only this response's own script chunks may run; the page may be framed where configured.
                .header("Content-Security-Policy", "default-src 'none'; script-src 'nonce-" + encoder.nonce()
                        + "'; frame-ancestors " + headers.frameAncestors())
                .header("X-Accel-Buffering", "no")
                .header("Cache-Control", "no-cache, no-store")
                .build();
    }
}
