package io.switchboard.conversation;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;
import io.switchboard.support.WsClient;

@QuarkusTest
class ConversationResourceTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void aFirstContactWithoutATokenCreatesAVisitorWithAGeneratedNameAndAnHttpOnlyCookie() {
        var response = given().post("/api/conversations").then().statusCode(201)
                .body("conversation.status", equalTo("waiting"))
                .body("session.token", notNullValue())
                .body("session.visitor.name", notNullValue())
                .extract();
        String cookie = response.header("Set-Cookie");
        assertEquals(true, cookie.contains("sb_visitor=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
                cookie);
        // With that cookie, the same conversation comes back (history on reload), without a new visitor.
        long id = response.jsonPath().getLong("conversation.id");
        String token = response.jsonPath().getString("session.token");
        given().cookie("sb_visitor", token).post("/api/conversations").then().statusCode(200)
                .body("conversation.id", equalTo((int) id)).body("session", equalTo(null));
    }

    /**
     * Agents read a visitor's name and e-mail; a change to either is announced on the visitor's open
     * conversations (a conversation frame with the new name), so consoles never show a stale one.
     */
    @Test
    void agentsSeeAVisitorsDetailsAndTheirChangesLive() {
        Chat chat = Chat.start(base);
        String agent = chat.api().agentToken();
        long visitorId = chat.visitor().id();
        given().auth().oauth2(agent).get("/api/visitors/" + visitorId).then().statusCode(200)
                .body("id", equalTo((int) visitorId)).body("email", org.hamcrest.Matchers.nullValue());
        try (WsClient feed = WsClient.connect(base, "agent", agent)) {
            given().auth().oauth2(chat.visitorToken()).contentType(ContentType.JSON)
                    .body("{\"name\":\"Ines\",\"email\":\"ines@example.org\"}").patch("/api/visitors/me").then().statusCode(200);
            feed.awaitFrame(f -> f.get("type").asText().equals("conversation")
                    && f.get("conversation").get("id").asLong() == chat.id()
                    && f.get("conversation").get("visitor").get("name").asText().equals("Ines"));
        }
        given().auth().oauth2(agent).get("/api/visitors/" + visitorId).then().statusCode(200)
                .body("name", equalTo("Ines")).body("email", equalTo("ines@example.org"));
        given().auth().oauth2(chat.visitorToken()).get("/api/visitors/" + visitorId).then().statusCode(403);
        given().auth().oauth2(agent).get("/api/visitors/999999999").then().statusCode(404).body("error", equalTo("visitor_not_found"));
        given().auth().oauth2(agent).get("/api/visitors/abc").then().statusCode(404).body("error", equalTo("visitor_not_found"));
    }

    @Test
    void aVisitorMayChooseItsNameAndOtherwiseGetsAGeneratedOne() {
        given().contentType(ContentType.JSON).body("{\"name\":\"Ada\",\"email\":\"ada@example.org\"}")
                .post("/api/visitors").then().statusCode(201).body("visitor.name", equalTo("Ada"));
        String generated = given().contentType(ContentType.JSON).body("{}").post("/api/visitors").then().statusCode(201)
                .extract().jsonPath().getString("visitor.name");
        assertEquals(true, generated.matches("[A-Z][a-z]+ [A-Z][a-z]+ \\d{3}"), generated);
        given().contentType(ContentType.JSON).body("{\"email\":\"not-an-address\"}").post("/api/visitors")
                .then().statusCode(400).body("error", equalTo("invalid_email"));
    }

    @Test
    void agentsListFilterAndPageConversationsWhileVisitorsSeeOnlyTheirOwn() {
        Api api = new Api(base);
        String agent = api.agentToken();
        Api.Visitor mine = api.newVisitor();
        long myConversation = api.conversation(mine.token());
        Api.Visitor otherVisitor = api.newVisitor();
        long other = api.conversation(otherVisitor.token());

        // Filtered to this test's own visitors, so what other tests left waiting or open cannot crowd them out.
        given().auth().oauth2(agent).get("/api/conversations?status=waiting&visitor=" + mine.id()).then().statusCode(200)
                .body("total", equalTo(1)).body("items.id", hasItem((int) myConversation))
                .body("items.status", everyItem(equalTo("waiting")));
        given().auth().oauth2(agent).get("/api/conversations?status=open&visitor=" + mine.id()).then().statusCode(200)
                .body("total", equalTo(0));
        given().auth().oauth2(mine.token()).get("/api/conversations").then().statusCode(200)
                .body("total", equalTo(1)).body("items[0].id", equalTo((int) myConversation));
        given().auth().oauth2(agent).get("/api/conversations?size=1&page=0").then().statusCode(200)
                .body("items.size()", equalTo(1)).body("size", equalTo(1));
        given().auth().oauth2(agent).get("/api/conversations?status=sleeping").then().statusCode(400)
                .body("error", equalTo("invalid_status"));
        given().auth().oauth2(agent).get("/api/conversations?size=1000").then().statusCode(400);

        // The first agent reply opens the conversation and assigns it to that agent.
        api.sendOk(agent, other, "open-" + other, "how can I help?");
        given().auth().oauth2(agent).get("/api/conversations/{id}", other).then().statusCode(200)
                .body("status", equalTo("open")).body("assignee.name", equalTo("Administrator"));
        given().auth().oauth2(agent).get("/api/conversations?assignee=me&status=open&visitor=" + otherVisitor.id()).then()
                .body("items.id", hasItem((int) other));
        given().auth().oauth2(agent).get("/api/conversations?assignee=none&visitor=" + otherVisitor.id()).then()
                .body("total", equalTo(0));
        given().auth().oauth2(agent).get("/api/conversations?assignee=none&visitor=" + mine.id()).then()
                .body("items.id", hasItem((int) myConversation));
    }

    @Test
    void resolvingAndReopeningFollowTheStatusRulesAndAreAnnouncedLive() {
        Api api = new Api(base);
        String agent = api.agentToken();
        Api.Visitor visitor = api.newVisitor();
        long conversation = api.conversation(visitor.token());
        try (WsClient agentWs = WsClient.connect(base, "agent", agent);
                WsClient visitorWs = WsClient.following(base, "visitor", visitor.token(), conversation, 0)) {
            given().auth().oauth2(agent).contentType(ContentType.JSON).body("{\"status\":\"resolved\"}")
                    .post("/api/conversations/{id}/status", conversation).then().statusCode(200)
                    .body("status", equalTo("resolved"));
            agentWs.awaitFrame(f -> f.get("type").asText().equals("conversation")
                    && f.get("conversation").get("id").asLong() == conversation
                    && f.get("conversation").get("status").asText().equals("resolved"));
            visitorWs.awaitFrame(f -> f.get("type").asText().equals("conversation")
                    && f.get("conversation").get("status").asText().equals("resolved"));
            // A visitor writing into a resolved conversation reopens it for the team.
            api.sendOk(visitor.token(), conversation, "again", "one more thing");
            agentWs.awaitFrame(f -> f.get("type").asText().equals("conversation")
                    && f.get("conversation").get("id").asLong() == conversation
                    && f.get("conversation").get("status").asText().equals("waiting"));
            agentWs.awaitFrame(f -> f.get("type").asText().equals("activity")
                    && f.get("conversationId").asLong() == conversation && f.get("lastSeq").asLong() == 1);
        }
        given().auth().oauth2(visitor.token()).contentType(ContentType.JSON).body("{\"status\":\"resolved\"}")
                .post("/api/conversations/{id}/status", conversation).then().statusCode(403);
        given().auth().oauth2(agent).contentType(ContentType.JSON).body("{\"status\":\"gone\"}")
                .post("/api/conversations/{id}/status", conversation).then().statusCode(400);
        given().auth().oauth2(agent).contentType(ContentType.JSON).body("{\"agentId\": 987654}")
                .post("/api/conversations/{id}/assign", conversation).then().statusCode(400)
                .body("error", equalTo("unknown_agent"));
    }

    @Test
    void aWaitingVisitorKnowsItsPlaceInTheQueue() {
        Api api = new Api(base);
        String agent = api.agentToken();
        Api.Visitor first = api.newVisitor();
        long firstConversation = api.conversation(first.token());
        Api.Visitor second = api.newVisitor();
        long secondConversation = api.conversation(second.token());
        int before = given().auth().oauth2(second.token()).get("/api/conversations/{id}/queue", secondConversation)
                .then().statusCode(200).body("status", equalTo("waiting")).extract().path("position");
        int firstPosition = given().auth().oauth2(first.token()).get("/api/conversations/{id}/queue", firstConversation)
                .then().statusCode(200).extract().path("position");
        assertEquals(before - 1, firstPosition, "the earlier visitor is ahead");
        // An agent picks the first one: the second moves up, the first leaves the queue.
        api.sendOk(agent, firstConversation, "pick-" + firstConversation, "hello!");
        given().auth().oauth2(second.token()).get("/api/conversations/{id}/queue", secondConversation)
                .then().body("position", equalTo(before - 1));
        given().auth().oauth2(first.token()).get("/api/conversations/{id}/queue", firstConversation)
                .then().body("position", equalTo(0)).body("status", equalTo("open"));
        given().auth().oauth2(first.token()).get("/api/conversations/{id}/queue", secondConversation)
                .then().statusCode(404);
    }

    @Test
    void historyPagesBackwardsWithBefore() {
        Chat chat = Chat.start(base);
        for (int i = 1; i <= 25; i++) {
            chat.send(chat.visitorToken(), "h-" + i, "history " + i);
        }
        List<Integer> latest = given().auth().oauth2(chat.visitorToken())
                .get("/api/conversations/{id}/messages?limit=10", chat.id()).then().statusCode(200)
                .extract().jsonPath().getList("seq", Integer.class);
        assertEquals(List.of(16, 17, 18, 19, 20, 21, 22, 23, 24, 25), latest);
        List<Integer> older = given().auth().oauth2(chat.visitorToken())
                .get("/api/conversations/{id}/messages?before=16&limit=10", chat.id()).then().statusCode(200)
                .extract().jsonPath().getList("seq", Integer.class);
        assertEquals(List.of(6, 7, 8, 9, 10, 11, 12, 13, 14, 15), older);
        List<Integer> oldest = given().auth().oauth2(chat.visitorToken())
                .get("/api/conversations/{id}/messages?before=6&limit=10", chat.id()).then().statusCode(200)
                .extract().jsonPath().getList("seq", Integer.class);
        assertEquals(List.of(1, 2, 3, 4, 5), oldest);
    }

    @Test
    void agentsLogInAndAdminsCreateAgents() {
        Api api = new Api(base);
        String admin = api.agentToken();
        String username = "agent" + System.nanoTime();
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Json.object().put("username", username).put("name", "Bea").put("password", "long-enough-pw").toString())
                .post("/api/agents").then().statusCode(201).body("role", equalTo("agent"));
        String bea = api.agentToken(username, "long-enough-pw");
        assertNotEquals(admin, bea);
        given().auth().oauth2(bea).get("/api/agents/me").then().statusCode(200).body("name", equalTo("Bea"));
        // Only admins create agents.
        given().auth().oauth2(bea).contentType(ContentType.JSON)
                .body(Json.object().put("username", "x" + username).put("password", "long-enough-pw").toString())
                .post("/api/agents").then().statusCode(403);
        // Logout revokes the token.
        given().auth().oauth2(bea).post("/api/agents/logout").then().statusCode(204);
        given().auth().oauth2(bea).get("/api/agents/me").then().statusCode(401);
    }
}
