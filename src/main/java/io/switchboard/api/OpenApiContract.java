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
        if (openAPI.getPaths() == null) {
            return;
        }
        openAPI.getPaths().getPathItems().forEach((path, item) -> item.getOperations()
                .forEach((method, operation) -> complete(path, method, operation)));
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
        } else if (!roles.isEmpty()) {
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
            operation.setSecurity(alternatives);
        }
        if (operation.getParameters() != null) {
            operation.getParameters().forEach(OpenApiContract::type);
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
        if (path.contains("{id}")) {
            errors.put("404", "no such conversation, or not the caller's");
        }
        if (path.endsWith("/claim") || path.endsWith("/messages") && method == PathItem.HttpMethod.POST
                || path.equals("/api/agents") && method == PathItem.HttpMethod.POST) {
            errors.put("409", "the state of things disagrees (already claimed, clientMsgId reused, username taken)");
        }
        if (operation.getRequestBody() != null) {
            errors.put("413", "the body is over 64 KiB");
            errors.put("415", "the body is not application/json");
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
    private static void type(Parameter parameter) {
        String name = parameter.getName();
        if (parameter.getIn() == Parameter.In.PATH && name.equals("id")) {
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
