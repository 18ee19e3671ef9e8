package io.switchboard.attachment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;

/**
 * The upload path in the packaged application — the jar, and the native executable with -Dnative, where the
 * type detection reads Tika's magic database as a native resource and the streaming routes run compiled.
 */
@QuarkusIntegrationTest
class AttachmentsIT {

    @TestHTTPResource("/")
    URI base;

    @Test
    void uploadSendAndReadInThePackagedApplication() {
        Chat chat = Chat.start(base);
        byte[] png = Samples.image("png", 30, 20);
        JsonNode image = Json.parse(Api.expect(201, chat.api().upload(chat.visitorToken(), chat.id(), "shot.pdf", png)).body());
        assertEquals("image/png", image.get("contentType").asText());
        assertEquals(30, image.get("width").asInt());
        JsonNode doc = Json.parse(Api.expect(201, chat.api().uploadForm(chat.visitorToken(), chat.id(), "text/plain",
                Map.of("notes.docx", Samples.pdf()))).body());
        assertEquals("application/pdf", doc.get("contentType").asText());
        assertEquals(415, chat.api().upload(chat.visitorToken(), chat.id(), "x.png", Samples.html()).statusCode());
        assertEquals(413, chat.api().upload(chat.visitorToken(), chat.id(), "big.pdf", Samples.bytes(10 * 1024 * 1024 + 1, 3))
                .statusCode());

        JsonNode sent = Json.parse(Api.expect(201, chat.api().send(chat.visitorToken(), chat.id(), "it-1", "see",
                List.of(image.get("id").asText(), doc.get("id").asText()))).body()).get("message");
        assertEquals(2, sent.get("attachments").size());
        assertEquals(sent, chat.messages().get(chat.messages().size() - 1));
        assertArrayEquals(png, chat.api().download(chat.api().agentToken(), image.get("url").asText()).body());
        String link = Json.parse(Api.expect(200, chat.api().get(chat.visitorToken(), image.get("url").asText() + "/link")).body())
                .get("url").asText();
        assertArrayEquals(png, chat.api().download(null, link).body());
    }
}
