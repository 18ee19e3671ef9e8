package io.switchboard.email;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * What e-mails link to — continuing a conversation on any device, unsubscribing. They answer HTML pages:
 * people open them.
 */
@Tag(name = "e-mail")
@Path("/api/email")
@Blocking
public class EmailResource {

    /**
     * The pages with a button (confirm, unsubscribe): with {@code no-referrer}, a browser posts their form with
     * {@code Origin: null}, which the origin check and CORS refuse; {@code same-origin} sends the service's own
     * origin to the service only (their URLs hold a token: never to another site).
     */
    private static final String FORM_PAGE = "same-origin";

    @Inject
    Emails emails;


    /**
     * A "continue the conversation" link from an e-mail: once, before it expires. The widget page it leads to
     * gets, in its fragment, a one-time code valid for minutes, which the widget exchanges for this device's own
     * token ({@code POST /api/visitors/handoff}). No session token ever travels in a URL.
     */
    @GET
    @Path("/continue")
    @Produces(MediaType.TEXT_HTML)
    @APIResponse(responseCode = "303", description = "to the page with the widget, the conversation open")
    @APIResponse(responseCode = "403", description = "a page: the link is unknown, used or expired",
            content = @Content(mediaType = MediaType.TEXT_HTML, schema = @Schema(type = SchemaType.STRING)))
    @Operation(operationId = "continueFromEmail", summary = "Open the conversation an e-mail is about, on this device")
    public Response continueFromEmail(@QueryParam("t") String token) {
        Optional<Emails.Continued> continued = emails.open(token);
        if (continued.isEmpty()) {
            return page(403, "This link no longer works",
                    "It was used already or it expired. Open the chat on the website to continue the conversation.");
        }
        Emails.Continued c = continued.get();
        String fragment = "#switchboard-continue=" + URLEncoder.encode(c.code(), StandardCharsets.UTF_8)
                + "&switchboard-conversation=" + c.conversationId();
        return Response.seeOther(URI.create(c.page() + fragment))
                .header("Cache-Control", "no-store").header("Referrer-Policy", "no-referrer").build();
    }

    /** A confirmation link: a page with a button (mail scanners open links; only a person confirms). */
    @GET
    @Path("/confirm")
    @Produces(MediaType.TEXT_HTML)
    @APIResponse(responseCode = "200", description = "a page with the button that confirms the address",
            content = @Content(mediaType = MediaType.TEXT_HTML, schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "403", description = "a page: the link is unknown, expired, or the address changed since",
            content = @Content(mediaType = MediaType.TEXT_HTML, schema = @Schema(type = SchemaType.STRING)))
    @Operation(operationId = "confirmEmailPage", summary = "Confirm that this e-mail address is yours")
    public Response confirmPage(@QueryParam("t") String token) {
        if (!emails.confirmable(token)) {
            return notAConfirmationLink();
        }
        return buttonPage("Confirm your e-mail address?", "<p>The copy of your conversation is sent once you confirm.</p>",
                "/api/email/confirm?t=" + URLEncoder.encode(token, StandardCharsets.UTF_8), "Confirm");
    }

    /** Confirms the address: transcripts held for it go out. */
    @POST
    @Path("/confirm")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.TEXT_HTML)
    @APIResponse(responseCode = "200", description = "a page: confirmed; the transcripts asked for are on their way",
            content = @Content(mediaType = MediaType.TEXT_HTML, schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "403", description = "a page: the link is unknown, expired, or the address changed since",
            content = @Content(mediaType = MediaType.TEXT_HTML, schema = @Schema(type = SchemaType.STRING)))
    @Operation(operationId = "confirmEmail", summary = "Confirm this e-mail address")
    public Response confirm(@QueryParam("t") String token) {
        if (!emails.confirm(token)) {
            return notAConfirmationLink();
        }
        return page(200, "Address confirmed", "Thank you. The copy of your conversation is on its way.");
    }

    private static Response notAConfirmationLink() {
        return page(403, "This link does not work", "It expired, or the address was changed since it was sent.");
    }

    /** The unsubscribe link: a page with a button (mail scanners open links; they do not press buttons). */
    @GET
    @Path("/unsubscribe")
    @Produces(MediaType.TEXT_HTML)
    @APIResponse(responseCode = "200", description = "a page with the button that unsubscribes",
            content = @Content(mediaType = MediaType.TEXT_HTML, schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "403", description = "a page: not a valid unsubscribe link",
            content = @Content(mediaType = MediaType.TEXT_HTML, schema = @Schema(type = SchemaType.STRING)))
    @Operation(operationId = "unsubscribePage", summary = "Confirm stopping e-mail about this chat")
    public Response unsubscribePage(@QueryParam("v") String visitor, @QueryParam("t") String key) {
        long id = visitorId(visitor);
        if (id < 0 || !emails.unsubscribeKey(id, key)) {
            return notAnUnsubscribeLink();
        }
        return buttonPage("Stop e-mails about this chat?", "",
                "/api/email/unsubscribe?v=" + id + "&t=" + URLEncoder.encode(key, StandardCharsets.UTF_8), "Unsubscribe");
    }

    /** Unsubscribes (the page's button, or a mail client's one-click POST, RFC 8058). */
    @POST
    @Path("/unsubscribe")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.TEXT_HTML)
    @APIResponse(responseCode = "200", description = "a page: unsubscribed",
            content = @Content(mediaType = MediaType.TEXT_HTML, schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "403", description = "a page: not a valid unsubscribe link",
            content = @Content(mediaType = MediaType.TEXT_HTML, schema = @Schema(type = SchemaType.STRING)))
    @Operation(operationId = "unsubscribe", summary = "Stop e-mail about this chat")
    public Response unsubscribe(@QueryParam("v") String visitor, @QueryParam("t") String key) {
        long id = visitorId(visitor);
        if (id < 0 || !emails.unsubscribe(id, key)) {
            return notAnUnsubscribeLink();
        }
        return page(200, "Unsubscribed", "You will not get e-mails about this chat any more.");
    }

    private static Response notAnUnsubscribeLink() {
        return page(403, "This link does not work", "It is not a valid unsubscribe link.");
    }

    private static long visitorId(String raw) {
        return raw != null && raw.matches("[0-9]{1,18}") ? Long.parseLong(raw) : -1;
    }

    /** A page whose one button posts to {@code action} (opening a link does nothing; pressing the button does). */
    private static Response buttonPage(String title, String intro, String action, String button) {
        return Response.ok(html(title, intro + "<form method=\"post\" action=\"" + Letters.escape(action)
                + "\"><button type=\"submit\">" + Letters.escape(button) + "</button></form>"), "text/html; charset=utf-8")
                .header("Cache-Control", "no-store").header("Referrer-Policy", FORM_PAGE).build();
    }

    private static Response page(int status, String title, String text) {
        return Response.status(status).entity(html(title, "<p>" + Letters.escape(text) + "</p>"))
                .type("text/html; charset=utf-8").header("Cache-Control", "no-store").header("Referrer-Policy", FORM_PAGE).build();
    }

    private static String html(String title, String body) {
        return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">"
                + "<title>" + Letters.escape(title) + "</title></head><body style=\"font-family:sans-serif;max-width:40em;margin:2em auto\">"
                + "<h1>" + Letters.escape(title) + "</h1>" + body + "</body></html>";
    }
}
