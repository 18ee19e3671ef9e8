package io.switchboard.webhook;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.switchboard.support.Api;
import io.switchboard.support.AppInstance;
import io.switchboard.support.Json;
import io.switchboard.support.WebhookReceiver;
import io.switchboard.support.WebhookReceiver.Delivery;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Drill (#16): a replica is killed (SIGKILL) while a webhook delivery is on the wire, unanswered. The event
 * stays pending; once the dead replica's lease runs out another replica delivers it — with the same
 * {@code webhook-id} — and everything after it, in order. Nothing written before, during or after the crash
 * is missing.
 */
class WebhookCrashIT {

    static EmbeddedPostgres postgres;

    @BeforeAll
    static void database() throws Exception {
        postgres = EmbeddedPostgres.builder().setDataDirectory(Files.createTempDirectory("switchboard-webhook-db"))
                .setCleanDataDirectory(true).start();
    }

    @AfterAll
    static void stopDatabase() throws Exception {
        postgres.close();
    }

    @Test
    void aReplicaKilledMidDeliveryLosesNoEvent() throws Exception {
        Map<String, String> env = Map.of("SWITCHBOARD_WEBHOOKS_ALLOWED_HOSTS", "127.0.0.1", "SWITCHBOARD_WEBHOOKS_POLL", "200ms",
                "SWITCHBOARD_WEBHOOKS_LEASE", "PT3S", "SWITCHBOARD_WEBHOOKS_TIMEOUT", "PT2S",
                "SWITCHBOARD_WEBHOOKS_BACKOFF_BASE", "PT0.2S", "SWITCHBOARD_WEBHOOKS_BACKOFF_MAX", "PT1S");
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            receiver.hold(3); // the third delivery hangs: replica A is killed while it waits for the answer
            AppInstance a = AppInstance.start("webhook-crash-a", postgres.getPort(), env);
            AppInstance b = null;
            try {
                Api api = a.api();
                String admin = api.agentToken();
                Api.expect(201, api.request("POST", "/api/webhooks", admin, Json.object().put("url", receiver.url().toString())
                        .set("events", Json.MAPPER.createArrayNode().add("message.created")).toString()));
                Api.Visitor visitor = api.newVisitor();
                long conversation = api.conversation(visitor.token());
                for (int i = 1; i <= 10; i++) {
                    api.sendOk(visitor.token(), conversation, "before-" + i, "before the crash " + i);
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> receiver.requests() >= 3);
                a.kill();
                b = AppInstance.start("webhook-crash-b", postgres.getPort(), env);
                receiver.release();
                Api onB = b.api();
                for (int i = 1; i <= 5; i++) {
                    onB.sendOk(visitor.token(), conversation, "after-" + i, "after the crash " + i);
                }
                List<Delivery> accepted = await().atMost(Duration.ofSeconds(60)).until(receiver::accepted, d -> d.size() >= 15);
                List<String> texts = accepted.stream().map(d -> d.json().get("data").get("message").get("text").asText()).toList();
                List<String> expected = new java.util.ArrayList<>();
                for (int i = 1; i <= 10; i++) {
                    expected.add("before the crash " + i);
                }
                for (int i = 1; i <= 5; i++) {
                    expected.add("after the crash " + i);
                }
                assertEquals(expected, texts, "every event once acknowledged, in order");
                Delivery lost = receiver.deliveries().stream().filter(d -> d.answered() == 0).findFirst().orElseThrow();
                assertEquals(accepted.get(2).id(), lost.id(), "the event on the wire at the crash was sent again with its id");
                JsonNode view = Json.parse(onB.get(onB.agentToken(), "/api/webhooks").body()).get(0);
                assertEquals(0, view.get("delivery").get("pending").asLong());
                assertTrue(view.get("enabled").asBoolean());
            } finally {
                a.close();
                if (b != null) {
                    b.close();
                }
            }
        }
    }
}
