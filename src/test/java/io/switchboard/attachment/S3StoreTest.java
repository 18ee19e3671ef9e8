package io.switchboard.attachment;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;
import io.switchboard.support.S3ProxyResource;
import jakarta.inject.Inject;

/**
 * The object-store option against a real S3-compatible server (S3Proxy, its own process): the same upload,
 * send, read, range, refusal and cancel behaviour as the PostgreSQL store, with the bytes as objects.
 */
@QuarkusTest
@TestProfile(S3StoreTest.ObjectStore.class)
class S3StoreTest {

    public static class ObjectStore implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(S3ProxyResource.class));
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Inject BlobStore store;
    @Inject S3BlobStore s3;
    @Inject Attachments attachments;
    @Inject javax.sql.DataSource dataSource;

    @Test
    void filesGoToTheObjectStoreChunkByChunkAndComeBackWhole() {
        assertTrue(io.quarkus.arc.ClientProxy.unwrap(store) instanceof S3BlobStore, "the s3 store is in use");
        Chat chat = Chat.start(base);
        byte[] data = Samples.bytes(3 * 1024 * 1024 + 5, 21);
        // Streamed without a length: stored as 256 KB objects as it arrives.
        JsonNode file = Json.parse(Api.expect(201, chat.api().upload(chat.visitorToken(), chat.id(), "manual.pdf",
                HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(data)))).body());
        UUID id = UUID.fromString(file.get("id").asText());
        assertEquals(13, s3.keys(id).size(), "3 MB + 5 bytes in 256 KB chunks: " + s3.keys(id));
        Api.expect(201, chat.api().send(chat.visitorToken(), chat.id(), "s3-1", "the manual", List.of(id.toString())));

        assertArrayEquals(data, chat.api().download(chat.api().agentToken(), file.get("url").asText()).body());
        HttpResponse<byte[]> range = chat.api().download(chat.visitorToken(), file.get("url").asText(), "Range", "bytes=262100-786500");
        assertEquals(206, range.statusCode());
        assertArrayEquals(Arrays.copyOfRange(data, 262100, 786501), range.body());
        String link = Json.parse(Api.expect(200, chat.api().get(chat.visitorToken(), file.get("url").asText() + "/link")).body())
                .get("url").asText();
        assertArrayEquals(data, chat.api().download(null, link).body());
    }

    @Test
    void refusedAndCancelledUploadsLeaveNoObjects() {
        Chat chat = Chat.start(base);
        byte[] tooBig = Samples.bytes(10 * 1024 * 1024 + 1, 5);
        HttpResponse<String> refused = chat.api().upload(chat.visitorToken(), chat.id(), "big.pdf",
                HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(tooBig)));
        assertEquals(413, refused.statusCode());
        try (var client = S3ProxyResource.client(S3ProxyResource.endpoint())) {
            await().atMost(Duration.ofSeconds(20)).until(() -> client.listObjectsV2(r -> r.bucket(S3ProxyResource.BUCKET))
                    .contents().stream().allMatch(o -> kept(o.key())));
        }
        JsonNode file = Json.parse(Api.expect(201, chat.api().upload(chat.visitorToken(), chat.id(), "oops.png",
                Samples.image("png", 20, 20))).body());
        UUID id = UUID.fromString(file.get("id").asText());
        assertEquals(1, s3.keys(id).size());
        assertEquals(204, chat.api().request("DELETE", "/api/attachments/" + id, chat.visitorToken(), null).statusCode());
        await().atMost(Duration.ofSeconds(10)).until(() -> s3.keys(id).isEmpty());
        assertEquals(404, chat.api().download(chat.visitorToken(), file.get("url").asText()).statusCode());
    }

    /**
     * The object store goes away (the network to it is cut; its objects stay): an upload is refused with 503
     * store_unavailable and leaves no attachment behind, a download of a stored file is 503 too, and neither
     * is a 500; when it is back, the same upload goes through and the earlier file comes back whole.
     */
    @Test
    void whileTheObjectStoreIsAwayUploadsAndDownloadsAreRefusedClearlyAndWorkAgainAfter() throws Exception {
        Chat chat = Chat.start(base);
        byte[] before = Samples.bytes(300 * 1024, 31);
        JsonNode stored = Json.parse(Api.expect(201, chat.api().upload(chat.visitorToken(), chat.id(), "before.pdf", before)).body());
        int rows = attachmentRows(chat.id());
        S3ProxyResource.network().cut();
        try {
            HttpResponse<String> upload = chat.api().upload(chat.visitorToken(), chat.id(), "during.pdf", Samples.bytes(300 * 1024, 32),
                    "Idempotency-Key", "outage-" + chat.id());
            assertEquals(503, upload.statusCode(), upload.body());
            assertEquals("store_unavailable", Json.parse(upload.body()).get("error").asText());
            assertTrue(upload.headers().firstValue("Retry-After").isPresent(), "no Retry-After");
            HttpResponse<byte[]> download = chat.api().download(chat.visitorToken(), stored.get("url").asText());
            assertEquals(503, download.statusCode(), new String(download.body(), java.nio.charset.StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(20)).until(() -> attachmentRows(chat.id()) == rows); // the refused upload left nothing
        } finally {
            S3ProxyResource.network().restore();
        }
        JsonNode retried = Json.parse(Api.expect(201, chat.api().upload(chat.visitorToken(), chat.id(), "during.pdf",
                Samples.bytes(300 * 1024, 32), "Idempotency-Key", "outage-" + chat.id())).body());
        assertArrayEquals(Samples.bytes(300 * 1024, 32), chat.api().download(chat.visitorToken(), retried.get("url").asText()).body());
        assertArrayEquals(before, chat.api().download(chat.visitorToken(), stored.get("url").asText()).body());
    }

    private int attachmentRows(long conversation) throws Exception {
        try (var c = dataSource.getConnection(); var s = c.prepareStatement("select count(*) from attachment where conversation_id = ?")) {
            s.setLong(1, conversation);
            try (var r = s.executeQuery()) {
                r.next();
                return r.getInt(1);
            }
        }
    }

    /** However a row goes (here: by SQL, as a deleted conversation's cascade would), the sweep deletes its objects. */
    @Test
    void objectsOfAttachmentsDeletedByAnyPathAreSwept() throws Exception {
        Chat chat = Chat.start(base);
        JsonNode file = Json.parse(Api.expect(201, chat.api().upload(chat.visitorToken(), chat.id(), "gone.pdf",
                Samples.bytes(600 * 1024, 9))).body());
        UUID id = UUID.fromString(file.get("id").asText());
        assertEquals(3, s3.keys(id).size());
        try (var c = dataSource.getConnection(); var s = c.prepareStatement("delete from attachment where id = ?")) {
            s.setObject(1, id);
            assertEquals(1, s.executeUpdate());
        }
        assertEquals(3, s3.keys(id).size(), "the row is gone, the objects not yet");
        attachments.sweep().await().atMost(Duration.ofSeconds(30));
        assertEquals(List.of(), s3.keys(id));
    }

    /** Whether an object belongs to a complete attachment (another test's): the only ones that may stay. */
    private boolean kept(String key) {
        String id = key.substring(key.indexOf('/') + 1, key.lastIndexOf('/'));
        Api api = new Api(base);
        return api.download(api.agentToken(), "/api/attachments/" + id).statusCode() == 200;
    }
}
