package io.switchboard.message;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;
import io.switchboard.support.Receiver;
import io.switchboard.support.Transports;
import io.switchboard.support.WsClient;
import jakarta.inject.Inject;

@QuarkusTest
class ExactlyOnceTest {

    @TestHTTPResource("/")
    URI base;

    @Inject
    DataSource dataSource;

    @Test
    void theSameClientMsgIdSentThreeTimesOverMixedTransportsIsStoredAndDeliveredOnce() throws Exception {
        Chat chat = Chat.start(base);
        List<Receiver> listeners = Transports.ALL.stream()
                .map(t -> Transports.open(t, chat.api(), chat.api().agentToken(), "agent", chat.id(), 0)).toList();
        try (WsClient ws = WsClient.connect(base, "visitor", chat.visitorToken())) {
            HttpResponse<String> first = chat.api().send(chat.visitorToken(), chat.id(), "retry-me", "only once");
            assertEquals(201, first.statusCode());
            JsonNode ack = ws.sendMessage(chat.id(), "retry-me", "only once");
            HttpResponse<String> third = chat.api().send(chat.visitorToken(), chat.id(), "retry-me", "only once");
            assertEquals(200, third.statusCode());

            long seq = Json.parse(first.body()).get("message").get("seq").asLong();
            assertEquals("ack", ack.get("type").asText());
            assertEquals(seq, ack.get("seq").asLong());
            assertTrue(ack.get("duplicate").asBoolean());
            assertFalse(Json.parse(first.body()).get("duplicate").asBoolean());
            assertTrue(Json.parse(third.body()).get("duplicate").asBoolean());
            assertEquals(seq, Json.parse(third.body()).get("message").get("seq").asLong());
            assertEquals(1, rows(chat.id(), "retry-me"));

            chat.send(chat.visitorToken(), "sentinel", "after the retries");
            await().atMost(Duration.ofSeconds(20)).until(() -> listeners.stream()
                    .allMatch(l -> l.received().stream().anyMatch(m -> m.clientMsgId().equals("sentinel"))));
            for (Receiver listener : listeners) {
                assertEquals(1, listener.received().stream().filter(m -> m.clientMsgId().equals("retry-me")).count(),
                        listener.transport());
                assertEquals(List.of(1L, 2L), listener.seqs(), listener.transport());
            }
        } finally {
            listeners.forEach(Receiver::close);
        }
    }

    @Test
    void reusingAClientMsgIdInAnotherConversationIsAConflictNotASilentOverwrite() {
        Api api = new Api(base);
        String agent = api.agentToken();
        long first = api.conversation(api.newVisitor().token());
        long second = api.conversation(api.newVisitor().token());
        assertEquals(201, api.send(agent, first, "agent-reuse", "to the first").statusCode());
        HttpResponse<String> reuse = api.send(agent, second, "agent-reuse", "to the second");
        assertEquals(409, reuse.statusCode());
        assertEquals("client_msg_id_reused", Json.parse(reuse.body()).get("error").asText());
    }

    private long rows(long conversation, String clientMsgId) throws Exception {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(
                        "select count(*) from message where conversation_id = ? and client_msg_id = ?")) {
            s.setLong(1, conversation);
            s.setString(2, clientMsgId);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }
}
