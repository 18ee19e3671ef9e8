package io.switchboard.web;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.live.Frame;

/**
 * The AsyncAPI 3 document served at {@code /asyncapi.yaml} is valid against the specification's JSON Schema
 * and in step with the code: every frame the server can send is a message with exactly the frame's fields,
 * and every frame a client may send is described.
 */
@QuarkusTest
class AsyncApiContractTest {

    private static final List<String> CLIENT_FRAMES = List.of("resume", "subscribe", "unsubscribe", "send", "typing",
            "read", "presence", "ping");

    @Test
    void theDocumentIsValidAsyncApi3() throws Exception {
        JsonNode document = served();
        JsonSchema schema;
        try (InputStream in = getClass().getResourceAsStream("/asyncapi/asyncapi-3.0.0.schema.json")) {
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(in);
        }
        Set<ValidationMessage> errors = schema.validate(document);
        assertEquals(Set.of(), errors.stream().map(ValidationMessage::getMessage).collect(Collectors.toSet()));
        assertEquals("3.0.0", document.path("asyncapi").asText());
    }

    @Test
    void everyServerFrameIsAMessageWithExactlyItsFields() throws Exception {
        JsonNode messages = served().path("components").path("messages");
        List<String> problems = new ArrayList<>();
        for (Class<?> frame : Frame.class.getPermittedSubclasses()) {
            String type = typeOf(frame);
            JsonNode payload = messages.path(type).path("payload");
            if (payload.isMissingNode()) {
                problems.add(type + " (" + frame.getSimpleName() + ") is not in components.messages");
                continue;
            }
            if (!type.equals(payload.path("properties").path("type").path("const").asText())) {
                problems.add(type + ": payload.type is not const " + type);
            }
            Set<String> documented = names(payload.path("properties").fieldNames());
            documented.remove("type");
            Set<String> fields = new TreeSet<>();
            for (RecordComponent c : frame.getRecordComponents()) {
                fields.add(c.getName());
            }
            if (!documented.equals(fields)) {
                problems.add(type + ": documented " + documented + ", the frame has " + fields);
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void everyClientFrameIsDescribedAndTheDocumentIsServedAsYaml() throws Exception {
        JsonNode messages = served().path("components").path("messages");
        Set<String> described = new TreeSet<>();
        messages.fields().forEachRemaining(e -> {
            if (e.getKey().startsWith("client")) {
                described.add(e.getValue().path("payload").path("properties").path("type").path("const").asText());
            }
        });
        assertEquals(new TreeSet<>(CLIENT_FRAMES), described);
    }

    private static JsonNode served() throws Exception {
        String yaml = given().get("/asyncapi.yaml").then().statusCode(200).extract().asString();
        return new ObjectMapper(new YAMLFactory()).readTree(yaml);
    }

    /** The frame's type, from an instance made with default values (records carry it as a method). */
    private static String typeOf(Class<?> frame) throws Exception {
        RecordComponent[] components = frame.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        Object[] values = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
            values[i] = types[i] == long.class ? 0L : types[i] == int.class ? 0 : types[i] == boolean.class ? false : null;
        }
        Constructor<?> canonical = frame.getDeclaredConstructor(types);
        canonical.setAccessible(true);
        return ((Frame) canonical.newInstance(values)).type();
    }

    private static Set<String> names(Iterator<String> it) {
        Set<String> names = new TreeSet<>();
        it.forEachRemaining(names::add);
        return names;
    }
}
