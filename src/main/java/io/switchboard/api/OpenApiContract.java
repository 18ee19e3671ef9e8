package io.switchboard.api;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

import io.quarkus.smallrye.openapi.OpenApiFilter;

/**
 * Completes the scanned OpenAPI document into a contract a client can be generated from: the security schemes
 * a caller can use (bearer token, the two cookies, {@code access_token} for streams) in place of Quarkus'
 * unnamed one, the error answers every operation can give (each with the {@link Problem} body and the codes
 * of {@link ErrorCode} that come with that status), and cursors and ids typed as the numbers they are.
 */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class OpenApiContract implements OASFilter {

    static final String BEARER = "bearer";
    static final String VISITOR_COOKIE = "visitorCookie";
    static final String AGENT_COOKIE = "agentCookie";
    static final String ACCESS_TOKEN = "accessToken";
    private static final String PROBLEM = "#/components/schemas/Problem";
    /** Every tag the operations use, with what it groups (a lint checks that each one is described). */
    private static final Map<String, String> TAGS = new TreeMap<>(Map.of(
            "agents", "Agents: signing in and out, the team's accounts (admins add agents)",
            "attachments", "Files in conversations: streamed uploads, downloads and signed links",
            "canned responses", "The team's saved replies, inserted with a shortcut",
            "conversations", "Conversations: the queue, claiming, assignment, status, labels, search",
            "e-mail", "Transcripts by e-mail and the pages e-mail links open (continue, unsubscribe)",
            "messages", "A conversation's messages: history by cursor, sending (REST), read state",
            "presence", "Whether agents are online (what the widget shows before a visitor writes)",
            "streams", "Live transports over HTTP: Server-Sent Events, long-polling, iframe streaming, polling",
            "visitors", "Visitors: anonymous or signed in with the site's identity, their details and devices",
            "webhooks", "Webhooks: signed deliveries of conversation events to the team's own systems (admins)"));

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        openAPI.getComponents().setSecuritySchemes(new TreeMap<>(Map.of(
                BEARER, OASFactory.createSecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                        .description("A visitor (`v_…`) or agent (`a_…`) token: mobile apps and servers"),
                VISITOR_COOKIE, OASFactory.createSecurityScheme().type(SecurityScheme.Type.APIKEY)
                        .in(SecurityScheme.In.COOKIE).name("sb_visitor")
                        .description("Set by `POST /api/visitors` or the first `POST /api/conversations`"),
                AGENT_COOKIE, OASFactory.createSecurityScheme().type(SecurityScheme.Type.APIKEY)
                        .in(SecurityScheme.In.COOKIE).name("sb_agent").description("Set by `POST /api/agents/login`"),
                ACCESS_TOKEN, OASFactory.createSecurityScheme().type(SecurityScheme.Type.APIKEY)
                        .in(SecurityScheme.In.QUERY).name("access_token")
                        .description("For cross-origin EventSource and iframe streams, which cannot send headers"))));
        openAPI.getComponents().addSchema("Problem", OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("Every error answer: a stable code (see docs/protocol.md, error catalogue) and a sentence")
                .addProperty("error", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                        .enumeration(new ArrayList<>(List.of((Object[]) codes()))))
                .addProperty("message", OASFactory.createSchema().addType(Schema.SchemaType.STRING))
                .required(List.of("error", "message")));
        // Where the API is: the service that serves this document (a relative URL, whatever host it runs on).
        openAPI.setServers(new ArrayList<>(List.of(OASFactory.createServer().url("/")
                .description("this Switchboard service (the document is served by the API it describes)"))));
        openAPI.setTags(new ArrayList<>(TAGS.entrySet().stream()
                .map(t -> OASFactory.createTag().name(t.getKey()).description(t.getValue())).toList()));
        if (openAPI.getPaths() == null) {
            return;
        }
        streamingRoutes(openAPI);
        openAPI.getPaths().getPathItems().forEach((path, item) -> item.getOperations()
                .forEach((method, operation) -> complete(path, method, operation)));
    }

    /**
     * The two attachment routes that stream their bodies (Vert.x routes, not REST resources, so the scanner
     * does not see them): {@code POST /api/conversations/{id}/attachments} and {@code GET /api/attachments/{id}}.
     */
    private static void streamingRoutes(OpenAPI openAPI) {
        String view = "#/components/schemas/AttachmentView";
        SecurityRequirement participants = OASFactory.createSecurityRequirement().addScheme("SecurityScheme",
                new ArrayList<>(List.of("visitor", "agent")));
        Schema binary = OASFactory.createSchema().addType(Schema.SchemaType.STRING).format("binary");
        Operation upload = OASFactory.createOperation().operationId("uploadAttachment").addTag("attachments")
                .summary("Upload a file into a conversation (then send a message naming its id)")
                .description("The raw body (`?name=` gives the file name) or a `multipart/form-data` form with one file. "
                        + "Streamed to the store; the type is detected from the bytes. At most 10 MB by default. "
                        + "A retry with the same `Idempotency-Key`, or of the same bytes not sent yet, answers 200 with the first.")
                .addParameter(OASFactory.createParameter().name("id").in(Parameter.In.PATH).required(true))
                .addParameter(OASFactory.createParameter().name("name").in(Parameter.In.QUERY)
                        .description("The file's name (raw bodies; a form's file part carries its own)")
                        .schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING)))
                .addParameter(OASFactory.createParameter().name("Idempotency-Key").in(Parameter.In.HEADER)
                        .schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING).pattern("^[A-Za-z0-9._:-]{1,64}$")))
                .requestBody(OASFactory.createRequestBody().required(true).content(OASFactory.createContent()
                        .addMediaType("application/octet-stream", OASFactory.createMediaType().schema(binary))
                        .addMediaType("multipart/form-data", OASFactory.createMediaType().schema(OASFactory.createSchema()
                                .addType(Schema.SchemaType.OBJECT).addProperty("file", binary)))))
                .responses(OASFactory.createAPIResponses()
                        .addAPIResponse("201", OASFactory.createAPIResponse().description("stored")
                                .content(OASFactory.createContent().addMediaType("application/json",
                                        OASFactory.createMediaType().schema(OASFactory.createSchema().ref(view)))))
                        .addAPIResponse("200", OASFactory.createAPIResponse().description("a retry: the first upload")
                                .content(OASFactory.createContent().addMediaType("application/json",
                                        OASFactory.createMediaType().schema(OASFactory.createSchema().ref(view))))))
                .security(new ArrayList<>(List.of(participants)));
        Operation download = OASFactory.createOperation().operationId("downloadAttachment").addTag("attachments")
                .summary("An attachment's bytes: to the conversation's participants, or with a signed link")
                .description("Images a browser shows safely are `inline`, everything else `attachment`; always `nosniff` "
                        + "and a sandboxing CSP. One byte range (`Range: bytes=…`) is answered 206.")
                .addParameter(OASFactory.createParameter().name("id").in(Parameter.In.PATH).required(true))
                .addParameter(OASFactory.createParameter().name("exp").in(Parameter.In.QUERY)
                        .description("A signed link's expiry (epoch seconds)").schema(OASFactory.createSchema()
                                .addType(Schema.SchemaType.INTEGER).format("int64")))
                .addParameter(OASFactory.createParameter().name("sig").in(Parameter.In.QUERY)
                        .description("A signed link's signature").schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING)))
                .addParameter(OASFactory.createParameter().name("Range").in(Parameter.In.HEADER)
                        .schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING)))
                .responses(OASFactory.createAPIResponses()
                        .addAPIResponse("200", OASFactory.createAPIResponse().description("the file")
                                .content(OASFactory.createContent().addMediaType("*/*", OASFactory.createMediaType().schema(binary))))
                        .addAPIResponse("206", OASFactory.createAPIResponse().description("the requested range")
                                .content(OASFactory.createContent().addMediaType("*/*", OASFactory.createMediaType().schema(binary))))
                        .addAPIResponse("304", OASFactory.createAPIResponse().description("unchanged (`If-None-Match`)")))
                .security(new ArrayList<>(List.of(participants, OASFactory.createSecurityRequirement())));
        openAPI.getPaths().addPathItem("/api/conversations/{id}/attachments", OASFactory.createPathItem().POST(upload));
        PathItem file = openAPI.getPaths().getPathItem("/api/attachments/{id}");
        if (file == null) {
            file = OASFactory.createPathItem();
            openAPI.getPaths().addPathItem("/api/attachments/{id}", file);
        }
        file.GET(download);
    }

    private static String[] codes() {
        ErrorCode[] all = ErrorCode.values();
        String[] codes = new String[all.length];
        for (int i = 0; i < all.length; i++) {
            codes[i] = all[i].code();
        }
        return codes;
    }

    private void complete(String path, PathItem.HttpMethod method, Operation operation) {
        boolean stream = path.endsWith("/events") || path.endsWith("/iframe-stream");
        List<String> roles = new ArrayList<>();
        if (operation.getSecurity() != null) {
            operation.getSecurity().forEach(requirement -> requirement.getSchemes().values().forEach(roles::addAll));
        }
        if (roles.isEmpty() && path.equals("/api/conversations") && method == PathItem.HttpMethod.POST) {
            // A visitor's token if it has one; without, the call creates the visitor (anonymous).
            operation.setSecurity(new ArrayList<>(List.of(OASFactory.createSecurityRequirement().addScheme(BEARER),
                    OASFactory.createSecurityRequirement().addScheme(VISITOR_COOKIE), OASFactory.createSecurityRequirement())));
            roles.add("visitor");
        } else if (roles.isEmpty()) {
            operation.setSecurity(new ArrayList<>()); // anonymous, said explicitly ("security: []")
        } else {
            List<SecurityRequirement> alternatives = new ArrayList<>();
            alternatives.add(OASFactory.createSecurityRequirement().addScheme(BEARER));
            if (roles.contains("visitor")) {
                alternatives.add(OASFactory.createSecurityRequirement().addScheme(VISITOR_COOKIE));
            }
            if (roles.contains("agent") || roles.contains("admin")) {
                alternatives.add(OASFactory.createSecurityRequirement().addScheme(AGENT_COOKIE));
            }
            if (stream) {
                alternatives.add(OASFactory.createSecurityRequirement().addScheme(ACCESS_TOKEN));
            }
            if (operation.getSecurity().stream().anyMatch(r -> r.getSchemes() == null || r.getSchemes().isEmpty())) {
                alternatives.add(OASFactory.createSecurityRequirement()); // a signed link needs no credentials
            }
            operation.setSecurity(alternatives);
        }
        if (operation.getParameters() != null) {
            operation.getParameters().forEach(p -> type(path, p));
        }
        Map<String, String> errors = new LinkedHashMap<>();
        boolean hasInput = operation.getRequestBody() != null
                || operation.getParameters() != null && !operation.getParameters().isEmpty();
        if (hasInput || path.equals("/api/agents/login")) {
            errors.put("400", "the request is malformed or a value is invalid (`error` names which)");
        }
        if (!roles.isEmpty() || path.equals("/api/agents/login")) {
            errors.put("401", "no valid token (or, for a login, wrong credentials)");
            errors.put("403", "the caller may not do this, or its `Origin` is not allowed");
        }
        if (path.startsWith("/api/attachments/")) {
            errors.put("404", "no such attachment, or not the caller's to read");
        } else if (path.contains("{id}")) {
            errors.put("404", "no such conversation, or not the caller's");
        }
        if (path.endsWith("/claim") || path.endsWith("/messages") && method == PathItem.HttpMethod.POST
                || path.equals("/api/agents") && method == PathItem.HttpMethod.POST) {
            errors.put("409", "the state of things disagrees (already claimed, clientMsgId reused, attachment already sent, username taken)");
        }
        if (path.endsWith("/attachments")) {
            errors.put("413", "the file is over the attachment size limit");
            errors.put("415", "the file's type (from its bytes) is not allowed");
        } else if (operation.getRequestBody() != null) {
            errors.put("413", "the body is over 64 KiB");
            errors.put("415", "the body is not application/json");
        }
        if (path.equals("/api/attachments/{id}") && method == PathItem.HttpMethod.GET) {
            errors.put("416", "the range starts past the end of the file");
        }
        errors.put("429", "over a rate or connection limit (or locked out of a login): wait `Retry-After` seconds");
        errors.put("500", "an unexpected failure");
        errors.put("503", "overloaded, store unavailable, this replica full, or shutting down: retry after `Retry-After` seconds");
        if (operation.getResponses() == null) {
            operation.setResponses(OASFactory.createAPIResponses());
        }
        errors.forEach((status, description) -> {
            APIResponse response = operation.getResponses().getAPIResponse(status);
            if (response == null) {
                response = OASFactory.createAPIResponse();
                operation.getResponses().addAPIResponse(status, response);
            }
            response.description(description + ". Codes: " + codesFor(Integer.parseInt(status)));
            response.content(OASFactory.createContent().addMediaType("application/json",
                    OASFactory.createMediaType().schema(OASFactory.createSchema().ref(PROBLEM))));
            if (status.equals("429") || status.equals("503")) {
                response.addHeader("Retry-After", OASFactory.createHeader().description("seconds to wait before retrying")
                        .schema(OASFactory.createSchema().addType(Schema.SchemaType.INTEGER)));
            }
        });
    }

    private static String codesFor(int status) {
        List<String> codes = new ArrayList<>();
        for (ErrorCode code : ErrorCode.values()) {
            if (code.status() == status) {
                codes.add("`" + code.code() + "`");
            }
        }
        return String.join(", ", codes);
    }

    /** Ids, cursors and counts are numbers on the wire (the server reads them as plain digits). */
    private static void type(String path, Parameter parameter) {
        String name = parameter.getName();
        if (parameter.getIn() == Parameter.In.PATH && name.equals("id") && path.startsWith("/api/attachments/")) {
            parameter.schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING).format("uuid"));
        } else if (parameter.getIn() == Parameter.In.PATH && name.equals("id")) {
            parameter.schema(OASFactory.createSchema().addType(Schema.SchemaType.INTEGER).format("int64").minimum(
                    BigDecimal.ONE));
        } else if (parameter.getIn() == Parameter.In.QUERY && List.of("after", "before").contains(name)) {
            parameter.schema(OASFactory.createSchema().addType(Schema.SchemaType.INTEGER).format("int64")
                    .minimum(BigDecimal.ZERO));
        } else if (parameter.getIn() == Parameter.In.QUERY && List.of("limit", "page", "size").contains(name)) {
            parameter.schema(OASFactory.createSchema().addType(Schema.SchemaType.INTEGER).format("int32")
                    .minimum(name.equals("page") ? BigDecimal.ZERO : BigDecimal.ONE));
        } else if (parameter.getIn() == Parameter.In.HEADER && name.equals("Last-Event-ID")) {
            parameter.schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING).pattern("^[0-9]{1,19}$"));
        }
    }
}
