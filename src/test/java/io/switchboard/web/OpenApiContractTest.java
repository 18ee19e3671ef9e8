package io.switchboard.web;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.junit.QuarkusTest;
import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;

/**
 * The served OpenAPI document is one a client can be generated from: it parses without a message, every
 * security requirement names a defined scheme, every answer has a schema, every error answer the Problem
 * body, ids and cursors are numbers. It is also the file the build generates its test client from
 * ({@code src/main/openapi/switchboard.json}): the two must not drift.
 */
@QuarkusTest
class OpenApiContractTest {

    static final Path CHECKED_IN = Path.of("src/main/openapi/switchboard.json");

    @Test
    void theServedDocumentIsValidAndComplete() throws Exception {
        String served = served();
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result = new OpenAPIParser().readContents(served, null, options);
        assertEquals(List.of(), result.getMessages() == null ? List.of() : result.getMessages(), "parser messages");
        OpenAPI api = result.getOpenAPI();
        Set<String> schemes = api.getComponents().getSecuritySchemes().keySet();
        List<String> problems = new ArrayList<>();
        api.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, op) -> {
            String where = method + " " + path;
            if (op.getSecurity() == null) { // #27: anonymous operations say so ("security: []"), as linters ask
                problems.add(where + ": no security requirement, not even an empty one");
            }
            if (op.getSecurity() != null) {
                op.getSecurity().forEach(requirement -> requirement.keySet().stream().filter(s -> !schemes.contains(s))
                        .forEach(s -> problems.add(where + ": undefined security scheme " + s)));
            }
            if (op.getRequestBody() != null) {
                op.getRequestBody().getContent().forEach((type, media) -> {
                    boolean upload = path.endsWith("/attachments")
                            && List.of("application/octet-stream", "multipart/form-data").contains(type);
                    if (!type.equals("application/json") && !upload) {
                        problems.add(where + ": request body as " + type);
                    }
                    if (empty(media)) {
                        problems.add(where + ": request body without a schema");
                    }
                });
            }
            if (op.getParameters() != null) {
                for (Parameter p : op.getParameters()) {
                    String expected = path.startsWith("/api/attachments/") ? "string" : "integer";
                    if (p.getName().equals("id") && !expected.equals(type(p.getSchema()))) {
                        problems.add(where + ": id typed " + type(p.getSchema()));
                    }
                }
            }
            boolean anySuccess = false;
            for (Map.Entry<String, ApiResponse> e : op.getResponses().entrySet()) {
                String status = e.getKey();
                anySuccess |= status.startsWith("2") || status.equals("303");
                if (status.equals("204") || status.equals("303") || status.equals("304")) {
                    continue;
                }
                if (e.getValue().getContent() == null || e.getValue().getContent().isEmpty()) {
                    problems.add(where + ": " + status + " has no content");
                    continue;
                }
                e.getValue().getContent().forEach((type, media) -> {
                    if (type.equals("application/json") && empty(media)) {
                        problems.add(where + ": " + status + " has an empty schema");
                    }
                    // The pages e-mail links open (people, not programs, read them) answer HTML, errors too.
                    boolean page = path.startsWith("/api/email/") && type.equals("text/html");
                    if ((status.startsWith("4") || status.startsWith("5")) && !page) {
                        String ref = media.getSchema() == null ? null : media.getSchema().get$ref();
                        if (ref == null || !ref.endsWith("/Problem")) {
                            problems.add(where + ": " + status + " is not a Problem");
                        }
                    }
                });
            }
            if (!anySuccess) {
                problems.add(where + ": no success response");
            }
            for (String status : List.of("429", "500", "503")) {
                if (!op.getResponses().containsKey(status)) {
                    problems.add(where + ": no " + status);
                }
            }
            if (op.getSecurity() != null && !op.getSecurity().isEmpty() && !op.getResponses().containsKey("401")) {
                problems.add(where + ": secured without 401");
            }
        }));
        if (api.getServers() == null || api.getServers().isEmpty()) {
            problems.add("no servers");
        }
        api.getTags().stream().filter(t -> t.getDescription() == null || t.getDescription().isBlank())
                .forEach(t -> problems.add("tag " + t.getName() + " has no description"));
        assertEquals(List.of(), problems);
        assertTrue(schemes.containsAll(List.of("bearer", "visitorCookie", "agentCookie")), "schemes " + schemes);
    }

    /** The checked-in contract (what the client in the build is generated from) is what the server serves. */
    @Test
    void theCheckedInContractIsWhatTheServerServes() throws Exception {
        String served = served();
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/openapi-served.json"), served);
        ObjectMapper json = new ObjectMapper();
        assertTrue(json.readTree(Files.readString(CHECKED_IN)).equals(json.readTree(served)),
                "the API changed: review target/openapi-served.json and copy it to " + CHECKED_IN);
    }

    private static String served() {
        return given().accept("application/json").get("/q/openapi?format=json").then().statusCode(200).extract().asString();
    }

    private static boolean empty(MediaType media) {
        Schema<?> schema = media.getSchema();
        return schema == null || schema.get$ref() == null && type(schema) == null && schema.getItems() == null
                && schema.getProperties() == null && schema.getAllOf() == null && schema.getOneOf() == null;
    }

    private static String type(Schema<?> schema) {
        if (schema == null) {
            return null;
        }
        if (schema.getType() != null) {
            return schema.getType();
        }
        return schema.getTypes() == null || schema.getTypes().isEmpty() ? null : schema.getTypes().iterator().next();
    }
}
