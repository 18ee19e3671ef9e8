package io.switchboard.conversation;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.URI;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.switchboard.support.Api;
import io.switchboard.support.Json;
import io.switchboard.support.WsClient;
import jakarta.inject.Inject;

@QuarkusTest
@TestProfile(AutoAssignmentTest.AutoAssignment.class)
class AutoAssignmentTest {

    public static class AutoAssignment implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("switchboard.assignment.auto", "true");
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Inject
    DataSource dataSource;

    @Test
    void newConversationsGoRoundRobinToAvailableAgentsAndWaitWhenNobodyIs() throws Exception {
        Api api = new Api(base);
        String admin = api.agentToken();
        long ann = createAgent(api, admin, "ann");
        long bob = createAgent(api, admin, "bob");
        sql("update agent set availability = 'away' where id not in (" + ann + ", " + bob + ")");
        try (WsClient annWs = WsClient.connect(base, "agent", login(api, "ann"));
                WsClient bobWs = WsClient.connect(base, "agent", login(api, "bob"))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> given().auth().oauth2(admin).get("/api/agents/presence")
                    .then().extract().jsonPath().getList("findAll { it.status == 'online' }.agentId").size() == 2);
            List<Long> assignees = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                JsonNode start = Json.parse(given().post("/api/conversations").then().statusCode(201).extract().asString());
                assertEquals("open", start.get("conversation").get("status").asText());
                assignees.add(start.get("conversation").get("assignee").get("id").asLong());
            }
            assertEquals(List.of(ann, bob, ann, bob), assignees);

            annWs.send(Json.object().put("type", "presence").put("state", "away"));
            bobWs.send(Json.object().put("type", "presence").put("state", "away"));
            await().atMost(Duration.ofSeconds(10)).until(() -> given().auth().oauth2(admin).get("/api/agents/presence")
                    .then().extract().jsonPath().getList("findAll { it.status == 'online' }.agentId").isEmpty());
            JsonNode waiting = Json.parse(given().post("/api/conversations").then().statusCode(201).extract().asString());
            assertEquals("waiting", waiting.get("conversation").get("status").asText());
            assertNull(waiting.get("conversation").get("assignee").textValue());
        } finally {
            sql("update agent set availability = 'online'");
        }
    }

    @Test
    void onlyOneOfTwoAgentsCanClaimAConversation() throws Exception {
        Api api = new Api(base);
        String admin = api.agentToken();
        createAgent(api, admin, "cleo");
        createAgent(api, admin, "dan");
        sql("update agent set availability = 'away'"); // nobody auto-assigned: a plain waiting conversation
        try {
            long conversation = api.conversation(api.newVisitor().token());
            String cleo = login(api, "cleo");
            String dan = login(api, "dan");
            var first = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> api.request("POST", "/api/conversations/" + conversation + "/claim", cleo, null).statusCode());
            var second = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> api.request("POST", "/api/conversations/" + conversation + "/claim", dan, null).statusCode());
            List<Integer> statuses = new ArrayList<>(List.of(first.get(), second.get()));
            statuses.sort(Integer::compareTo);
            assertEquals(List.of(200, 409), statuses);
        } finally {
            sql("update agent set availability = 'online'");
        }
    }

    private final Map<String, String> usernames = new java.util.HashMap<>();

    private long createAgent(Api api, String admin, String name) {
        String username = name + System.nanoTime();
        usernames.put(name, username);
        return given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Json.object().put("username", username).put("name", name).put("password", "password-" + name)
                        .toString())
                .post("/api/agents").then().statusCode(201).extract().jsonPath().getLong("id");
    }

    private String login(Api api, String name) {
        return api.agentToken(usernames.get(name), "password-" + name);
    }

    private void sql(String statement) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            c.createStatement().executeUpdate(statement);
        }
    }
}
