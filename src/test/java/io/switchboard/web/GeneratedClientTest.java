package io.switchboard.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.client.ApiClient;
import io.switchboard.client.ApiException;
import io.switchboard.client.api.AgentsApi;
import io.switchboard.client.api.ConversationsApi;
import io.switchboard.client.api.MessagesApi;
import io.switchboard.client.api.VisitorsApi;
import io.switchboard.client.model.ConversationStatus;
import io.switchboard.client.model.ConversationView;
import io.switchboard.client.model.Credentials;
import io.switchboard.client.model.MessageView;
import io.switchboard.client.model.ReadMark;
import io.switchboard.client.model.SendRequest;
import io.switchboard.client.model.SendResult;
import io.switchboard.client.model.StatusChange;
import io.switchboard.client.model.NewVisitor;
import io.switchboard.client.model.VisitorSession;
import io.switchboard.support.Api;
import io.switchboard.support.Json;

/**
 * A whole conversation through the Java client the build generates from the OpenAPI contract
 * ({@code src/main/openapi/switchboard.json}), as a mobile team would use one: a visitor signs up and writes,
 * an agent logs in, claims, answers and resolves, the visitor reads by cursor; retries and errors come back
 * as the contract says.
 */
@QuarkusTest
class GeneratedClientTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void aWholeConversationThroughTheGeneratedClient() throws Exception {
        VisitorSession visitor = new VisitorsApi(client(null)).createVisitor(new NewVisitor().name("Generated Gail"));
        assertEquals("Generated Gail", visitor.getVisitor().getName());
        ApiClient asVisitor = client(visitor.getToken());
        ConversationView conversation = new ConversationsApi(asVisitor).startConversation().getConversation();
        assertEquals(ConversationStatus.WAITING, conversation.getStatus());
        long id = conversation.getId();

        MessagesApi visitorMessages = new MessagesApi(asVisitor);
        String clientMsgId = UUID.randomUUID().toString();
        SendResult first = visitorMessages.sendMessage(id, new SendRequest().clientMsgId(clientMsgId).text("Where is my parcel? 📦"));
        assertEquals(1L, first.getMessage().getSeq());
        assertEquals(false, first.getDuplicate());
        SendResult retried = visitorMessages.sendMessage(id, new SendRequest().clientMsgId(clientMsgId).text("Where is my parcel? 📦"));
        assertEquals(true, retried.getDuplicate(), "a retry with the same clientMsgId is the same message");
        assertEquals(1L, retried.getMessage().getSeq());

        String agentToken = new AgentsApi(client(null)).login(new Credentials().username(Api.ADMIN).password(Api.ADMIN_PASSWORD)).getToken();
        ApiClient asAgent = client(agentToken);
        ConversationsApi agentConversations = new ConversationsApi(asAgent);
        assertEquals(ConversationStatus.OPEN, agentConversations.claimConversation(id).getStatus());
        new MessagesApi(asAgent).sendMessage(id, new SendRequest().clientMsgId(UUID.randomUUID().toString()).text("On its way!"));
        assertEquals(ConversationStatus.RESOLVED, agentConversations.changeStatus(id, new StatusChange().status("resolved")).getStatus());

        // Missed: "Administrator joined the conversation" (the claim), the reply, "… resolved the conversation".
        List<MessageView> missed = visitorMessages.readMessages(id, 1L, null, null, null);
        assertEquals(List.of(2L, 3L, 4L), missed.stream().map(MessageView::getSeq).toList());
        assertEquals("Administrator joined the conversation", missed.get(0).getText());
        assertEquals("On its way!", missed.get(1).getText());
        assertEquals(2L, missed.get(1).getPrevPublic());
        assertNotNull(missed.get(1).getSentAt());
        assertEquals(4L, new ConversationsApi(asVisitor).markRead(id, new ReadMark().seq(4L)).getSeq());

        ApiException empty = assertThrows(ApiException.class,
                () -> visitorMessages.sendMessage(id, new SendRequest().clientMsgId("c-empty").text("   ")));
        assertEquals(400, empty.getCode());
        assertEquals("empty_text", Json.parse(empty.getResponseBody()).get("error").asText());
        ApiException notMine = assertThrows(ApiException.class, () -> new ConversationsApi(client(
                new VisitorsApi(client(null)).createVisitor(null).getToken())).getConversation(id));
        assertEquals(404, notMine.getCode());
        assertEquals("conversation_not_found", Json.parse(notMine.getResponseBody()).get("error").asText());
        ApiException anonymous = assertThrows(ApiException.class, () -> new ConversationsApi(client(null)).getConversation(id));
        assertEquals(401, anonymous.getCode());
        assertTrue(Json.parse(anonymous.getResponseBody()).has("message"));
    }

    private ApiClient client(String token) {
        ApiClient client = new ApiClient();
        client.updateBaseUri(base.toString().replaceAll("/$", ""));
        if (token != null) {
            client.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + token));
        }
        return client;
    }
}
