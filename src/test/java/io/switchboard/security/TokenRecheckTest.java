package io.switchboard.security;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.identity.Tokens;
import io.switchboard.live.LiveConnection;
import io.switchboard.support.Api;
import io.switchboard.support.Json;
import io.switchboard.support.SseClient;
import io.switchboard.support.WsClient;
import jakarta.inject.Inject;

/** Revocations and expiries that no notification announced are found by the periodic token re-check. */
@QuarkusTest
class TokenRecheckTest {

    @TestHTTPResource("/")
    URI base;

    @Inject
    DataSource dataSource;

    /**
     * A revocation whose notification never arrived (published while this instance's LISTEN connection was
     * being re-established: here, written straight to the table with no NOTIFY at all), and a token that
     * expires without the connection's expiry timer knowing: the periodic re-check closes both (4401).
     */
    @Test
    void aRevocationOrExpiryThatWasNeverNotifiedIsHealedByTheRecheck() throws Exception {
        Api api = new Api(base);
        long conversation = api.conversation(api.newVisitor().token());
        String revoked = api.agentToken();
        String expired = api.agentToken();
        String kept = api.agentToken();
        try (WsClient revokedWs = WsClient.following(base, "agent", revoked, conversation, 0);
                SseClient revokedSse = SseClient.following(base, revoked, conversation, 0);
                WsClient expiredWs = WsClient.following(base, "agent", expired, conversation, 0);
                WsClient keptWs = WsClient.following(base, "agent", kept, conversation, 0)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> revokedSse.opened() == 1);
            try (Connection c = dataSource.getConnection();
                    PreparedStatement revoke = c.prepareStatement(
                            "update agent_token set revoked_at = now() where token_hash = ?");
                    PreparedStatement expire = c.prepareStatement(
                            "update agent_token set expires_at = now() where token_hash = ?")) {
                revoke.setString(1, Tokens.hash(revoked));
                assertEquals(1, revoke.executeUpdate());
                expire.setString(1, Tokens.hash(expired));
                assertEquals(1, expire.executeUpdate());
            }
            revokedWs.awaitClosed(LiveConnection.TOKEN_REVOKED);
            expiredWs.awaitClosed(LiveConnection.TOKEN_REVOKED);
            await().atMost(Duration.ofSeconds(30)).until(() -> revokedSse.events().stream()
                    .anyMatch(e -> e.get("event").asText().equals("close")
                            && e.get("data").get("code").asInt() == LiveConnection.TOKEN_REVOKED));
            keptWs.send(Json.object().put("type", "ping").put("ref", "still"));
            keptWs.awaitFrame(f -> "still".equals(f.path("ref").asText(null)));
            assertTrue(keptWs.isOpen(), "a valid token's connection was closed by the re-check");
        }
    }
}
