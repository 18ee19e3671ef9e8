package io.switchboard.live;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Chat;
import io.switchboard.support.Received;
import io.switchboard.support.Receiver;
import io.switchboard.support.Transports;
import io.switchboard.support.WsClient;

@QuarkusTest
class TransportMatrixTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void everyReceivingTransportSeesTheSameMessagesWithTheSameSeqInTheSameOrder() {
        Chat chat = Chat.start(base);
        String agent = chat.api().agentToken();

        List<Receiver> receivers = new ArrayList<>();
        for (String transport : Transports.ALL) {
            receivers.add(Transports.open(transport, chat.api(), chat.visitorToken(), "visitor", chat.id(), 0));
            receivers.add(Transports.open(transport, chat.api(), agent, "agent", chat.id(), 0));
        }
        List<String> texts = new ArrayList<>();
        try (WsClient visitorWs = WsClient.connect(base, "visitor", chat.visitorToken());
                WsClient agentWs = WsClient.connect(base, "agent", agent)) {
            for (int i = 0; i < 12; i++) {
                String text = "message " + i + " héllo 👋 世界";
                texts.add(text);
                switch (i % 4) {
                    case 0 -> visitorWs.sendMessage(chat.id(), "v-ws-" + i, text);
                    case 1 -> chat.send(chat.visitorToken(), "v-rest-" + i, text);
                    case 2 -> agentWs.sendMessage(chat.id(), "a-ws-" + chat.id() + "-" + i, text);
                    default -> chat.send(agent, "a-rest-" + chat.id() + "-" + i, text);
                }
            }
        }
        // The agent's first reply (message 2) is preceded by the stored system message that says she joined.
        texts.add(2, "Administrator joined the conversation");
        try {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> receivers.stream().allMatch(r -> r.received().size() >= 13));
            List<Received> reference = receivers.get(0).received();
            assertEquals(LongStream.rangeClosed(1, 13).boxed().toList(), reference.stream().map(Received::seq).toList());
            assertEquals(texts, reference.stream().map(Received::text).toList());
            assertEquals(List.of("visitor", "visitor", "system", "agent", "agent"),
                    reference.subList(0, 5).stream().map(Received::authorKind).toList());
            for (Receiver receiver : receivers) {
                assertEquals(reference, receiver.received(), receiver.transport() + " saw different messages");
            }
        } finally {
            receivers.forEach(Receiver::close);
        }
    }
}
