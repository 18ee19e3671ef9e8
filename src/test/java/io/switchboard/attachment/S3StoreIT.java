package io.switchboard.attachment;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.TestProfile;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;
import io.switchboard.support.S3ProxyResource;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The object-store option in the packaged application — the jar, and the native executable with -Dnative,
 * where the AWS SDK runs compiled ahead of time — against the same S3-compatible server as S3StoreTest.
 */
@QuarkusIntegrationTest
@TestProfile(S3StoreTest.ObjectStore.class)
class S3StoreIT {

    @TestHTTPResource("/")
    URI base;

    @Test
    void filesGoToTheObjectStoreAndComeBackInThePackagedApplication() {
        Chat chat = Chat.start(base);
        byte[] data = Samples.bytes(700 * 1024, 33);
        JsonNode file = Json.parse(Api.expect(201, chat.api().upload(chat.visitorToken(), chat.id(), "manual.pdf",
                HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(data)))).body());
        String id = file.get("id").asText();
        try (S3Client s3 = S3ProxyResource.client(S3ProxyResource.endpoint())) {
            assertEquals(3, keys(s3, id).size(), "700 KB in 256 KB objects");
            Api.expect(201, chat.api().send(chat.visitorToken(), chat.id(), "s3-it-1", null, List.of(id)));
            assertArrayEquals(data, chat.api().download(chat.api().agentToken(), file.get("url").asText()).body());
            assertArrayEquals(Arrays.copyOfRange(data, 200_000, 600_001),
                    chat.api().download(chat.visitorToken(), file.get("url").asText(), "Range", "bytes=200000-600000").body());

            String cancelled = Json.parse(Api.expect(201, chat.api().upload(chat.visitorToken(), chat.id(), "oops.png",
                    Samples.image("png", 8, 8))).body()).get("id").asText();
            assertEquals(1, keys(s3, cancelled).size());
            assertEquals(204, chat.api().request("DELETE", "/api/attachments/" + cancelled, chat.visitorToken(), null).statusCode());
            await().atMost(Duration.ofSeconds(10)).until(() -> keys(s3, cancelled).isEmpty());
        }
    }

    private static List<String> keys(S3Client s3, String id) {
        return s3.listObjectsV2(r -> r.bucket(S3ProxyResource.BUCKET).prefix("attachments/" + id + "/")).contents().stream()
                .map(o -> o.key()).toList();
    }
}
