package io.switchboard.attachment;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.Json;
import io.switchboard.support.Received;
import io.switchboard.support.Receiver;
import io.switchboard.support.Transports;
import io.switchboard.support.WsClient;
import jakarta.inject.Inject;

/** Attachments over real sockets against the real store: upload, limits, types, sending, reading, links, budgets. */
@QuarkusTest
class AttachmentsTest {

    private static final int MB = 1024 * 1024;
    /** One thread per stalled client (the common pool has one thread on two cores). */
    private static final java.util.concurrent.ExecutorService CLIENTS = java.util.concurrent.Executors.newCachedThreadPool();

    @TestHTTPResource("/")
    URI base;

    @Inject DataSource dataSource;
    @Inject UploadBudget budget;
    @Inject Attachments attachments;

    @Test
    void anUploadSentOnEveryTransportArrivesWithTheSameAttachmentsEverywhere() {
        Chat chat = Chat.start(base);
        String agent = chat.api().agentToken();
        List<Receiver> receivers = new ArrayList<>();
        for (String transport : Transports.ALL) {
            receivers.add(Transports.open(transport, chat.api(), chat.visitorToken(), "visitor", chat.id(), 0));
            receivers.add(Transports.open(transport, chat.api(), agent, "agent", chat.id(), 0));
        }
        try (WsClient visitorWs = WsClient.connect(base, "visitor", chat.visitorToken())) {
            byte[] png = Samples.image("png", 64, 48);
            JsonNode image = Json.parse(Api.expect(201, chat.api().upload(chat.visitorToken(), chat.id(), "screen shot.png", png)).body());
            assertEquals("screen shot.png", image.get("name").asText());
            assertEquals(png.length, image.get("size").asLong());
            assertEquals("image/png", image.get("contentType").asText());
            assertEquals(64, image.get("width").asInt());
            assertEquals(48, image.get("height").asInt());
            assertEquals("/api/attachments/" + image.get("id").asText(), image.get("url").asText());
            // The second one as a browser form sends it, typed by its bytes whatever the part said.
            JsonNode invoice = Json.parse(Api.expect(201, chat.api().uploadForm(chat.visitorToken(), chat.id(),
                    "application/octet-stream", Map.of("invoice 2026.pdf", Samples.pdf()))).body());
            assertEquals("application/pdf", invoice.get("contentType").asText());
            assertTrue(invoice.get("width").isNull());

            // Over the WebSocket, files only; over REST, a file and text.
            visitorWs.send(Json.object().put("type", "send").put("ref", "r1").put("conversationId", chat.id())
                    .put("clientMsgId", "att-ws-1").set("attachments", Json.MAPPER.createArrayNode().add(image.get("id").asText())));
            JsonNode ack = visitorWs.awaitFrame(f -> "r1".equals(f.path("ref").asText(null)));
            assertEquals("ack", ack.get("type").asText(), ack.toString());
            JsonNode sent = Json.parse(Api.expect(201, chat.api().send(chat.visitorToken(), chat.id(), "att-rest-1",
                    "here is the invoice", List.of(invoice.get("id").asText()))).body()).get("message");
            assertEquals(invoice, sent.get("attachments").get(0));

            await().atMost(Duration.ofSeconds(30)).until(() -> receivers.stream().allMatch(r -> r.received().size() >= 2));
            List<Received> reference = receivers.get(0).received();
            assertEquals("", reference.get(0).text());
            assertEquals(Json.MAPPER.createArrayNode().add(image).toString(), reference.get(0).attachments());
            assertEquals(Json.MAPPER.createArrayNode().add(invoice).toString(), reference.get(1).attachments());
            for (Receiver receiver : receivers) {
                assertEquals(reference, receiver.received(), receiver.transport() + " saw different messages");
            }
            // And the agent reads the file itself.
            HttpResponse<byte[]> file = chat.api().download(agent, image.get("url").asText());
            assertEquals(200, file.statusCode());
            assertArrayEquals(png, file.body());
        } finally {
            receivers.forEach(Receiver::close);
        }
    }

    @Test
    void filesAreServedSafely() {
        Chat chat = Chat.start(base);
        JsonNode image = upload(chat, "cat.png", Samples.image("png", 10, 10));
        JsonNode invoice = upload(chat, "in\u202Evoice\u0007/../../etc/pdf.exe.pdf", Samples.pdf());
        assertEquals("pdf.exe.pdf", invoice.get("name").asText(), "path, bidi override and control characters are gone");

        HttpResponse<byte[]> png = chat.api().download(chat.visitorToken(), image.get("url").asText());
        assertEquals("image/png", png.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(png.headers().firstValue("Content-Disposition").orElseThrow().startsWith("inline;"));
        HttpResponse<byte[]> pdf = chat.api().download(chat.visitorToken(), invoice.get("url").asText());
        assertEquals("application/pdf", pdf.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("attachment; filename=\"pdf.exe.pdf\"; filename*=UTF-8''pdf.exe.pdf",
                pdf.headers().firstValue("Content-Disposition").orElseThrow());
        for (HttpResponse<byte[]> response : List.of(png, pdf)) {
            assertEquals("nosniff", response.headers().firstValue("X-Content-Type-Options").orElseThrow());
            assertTrue(response.headers().firstValue("Content-Security-Policy").orElseThrow().contains("sandbox"));
            assertTrue(response.headers().firstValue("Cache-Control").orElseThrow().startsWith("private"));
        }
        // Unauthenticated, or a made-up id: nothing.
        assertEquals(401, chat.api().download(null, image.get("url").asText()).statusCode());
        assertEquals(404, chat.api().download(chat.visitorToken(), "/api/attachments/" + UUID.randomUUID()).statusCode());
        assertEquals(404, chat.api().download(chat.visitorToken(), "/api/attachments/not-a-uuid").statusCode());
    }

    @Test
    void theTypeComesFromTheBytesNotTheNameOrHeader() {
        Chat chat = Chat.start(base);
        JsonNode png = Json.parse(Api.expect(201, chat.api().upload(chat.visitorToken(), chat.id(), "report.pdf",
                Samples.image("png", 8, 8), "Content-Type", "application/pdf")).body());
        assertEquals("image/png", png.get("contentType").asText());
        assertEquals("report.png", png.get("name").asText(), "the stored name's extension follows the type (#27)");
        JsonNode doubled = Json.parse(Api.expect(201, chat.api().upload(chat.visitorToken(), chat.id(), "x.png.html",
                Samples.image("png", 9, 9))).body());
        assertEquals("x.png", doubled.get("name").asText(), "an image is never stored under an .html name");
        JsonNode bare = Json.parse(Api.expect(201, chat.api().upload(chat.visitorToken(), chat.id(), "notes",
                "plain words".getBytes(StandardCharsets.UTF_8))).body());
        assertEquals("notes.txt", bare.get("name").asText());
        JsonNode jpeg = Json.parse(Api.expect(201, chat.api().upload(chat.visitorToken(), chat.id(), "Photo.JPEG",
                Samples.image("jpg", 8, 8))).body());
        assertEquals("Photo.JPEG", jpeg.get("name").asText(), "one of the type's own extensions is kept as it is");

        // #27: an Office document is a ZIP of certain parts; any other ZIP named .docx is an archive, refused.
        JsonNode word = Json.parse(Api.expect(201, chat.api().upload(chat.visitorToken(), chat.id(), "letter.docx",
                zip("[Content_Types].xml", "_rels/.rels", "word/document.xml"))).body());
        assertEquals("application/vnd.openxmlformats-officedocument.wordprocessingml.document", word.get("contentType").asText());
        assertEquals("letter.docx", word.get("name").asText());
        for (String[] entries : new String[][] { { "secret.txt" }, { "payload/run.sh", "word/document.xml" },
                { "[Content_Types].xml", "xl/workbook.xml" } }) {
            HttpResponse<String> archive = chat.api().upload(chat.visitorToken(), chat.id(), "letter.docx", zip(entries));
            assertEquals(415, archive.statusCode(), String.join(",", entries) + ": " + archive.body());
            assertEquals("attachment_type_not_allowed", Json.parse(archive.body()).get("error").asText());
        }

        int before = rows("select count(*) from attachment where conversation_id = " + chat.id());
        HttpResponse<String> html = chat.api().upload(chat.visitorToken(), chat.id(), "kitten.png", Samples.html(),
                "Content-Type", "image/png");
        assertEquals(415, html.statusCode(), html.body());
        assertEquals("attachment_type_not_allowed", Json.parse(html.body()).get("error").asText());
        HttpResponse<String> svg = chat.api().upload(chat.visitorToken(), chat.id(), "logo.png",
                "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".getBytes(StandardCharsets.UTF_8));
        assertEquals(415, svg.statusCode(), svg.body());
        HttpResponse<String> exe = chat.api().upload(chat.visitorToken(), chat.id(), "setup.txt",
                concat(new byte[] { 'M', 'Z', (byte) 0x90, 0 }, new byte[4096]));
        assertEquals(415, exe.statusCode(), exe.body());
        assertEquals(before, rows("select count(*) from attachment where conversation_id = " + chat.id()));

        HttpResponse<String> empty = chat.api().upload(chat.visitorToken(), chat.id(), "empty.txt", new byte[0]);
        assertEquals(400, empty.statusCode());
        assertEquals("invalid_upload", Json.parse(empty.body()).get("error").asText());
        Map<String, byte[]> two = new LinkedHashMap<>();
        two.put("a.pdf", Samples.pdf());
        two.put("b.pdf", Samples.pdf());
        HttpResponse<String> form = chat.api().uploadForm(chat.visitorToken(), chat.id(), "application/pdf", two);
        assertEquals(400, form.statusCode(), form.body());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(before,
                rows("select count(*) from attachment where conversation_id = " + chat.id()), "a refused form leaves nothing behind"));
    }

    @Test
    void oneByteOverTheLimitIsRefusedAndNothingIsKept() throws IOException {
        Chat chat = Chat.start(base);
        int chunksBefore = rows("select count(*) from attachment_chunk");
        byte[] tooBig = Samples.bytes(10 * MB + 1, 1);
        // Declared by Content-Length: refused on the header, before a byte of the body is sent (#27: it was
        // read, up to twice the limit, unless the client sent Expect: 100-continue, which browsers never do).
        try (java.net.Socket raw = new java.net.Socket(base.getHost(), base.getPort())) {
            raw.setSoTimeout(10_000);
            raw.getOutputStream().write(("POST /api/conversations/" + chat.id() + "/attachments?name=big.pdf HTTP/1.1\r\n"
                    + "Host: localhost\r\nAuthorization: Bearer " + chat.visitorToken() + "\r\nContent-Length: " + tooBig.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            raw.getOutputStream().flush();
            String answer = new String(raw.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
            assertEquals("attachment_too_large", Json.parse(answer.substring(answer.indexOf("\r\n\r\n") + 4)).get("error").asText(), answer);
        }
        // Chunked, without a length: counted while streaming, cut at the limit, what was stored deleted.
        HttpResponse<String> streamed = chat.api().upload(chat.visitorToken(), chat.id(), "big.pdf",
                HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(tooBig)));
        assertEquals(413, streamed.statusCode(), streamed.body());
        assertEquals(0, rows("select count(*) from attachment where conversation_id = " + chat.id()));
        await().atMost(Duration.ofSeconds(10)).until(() -> rows("select count(*) from attachment_chunk") <= chunksBefore);
        assertEquals(0, budget.running());
        // A client that asks first (Expect: 100-continue, as curl does for large bodies) is answered before it
        // sends anything: a refusal at once, else "100 Continue". (Over a raw socket: the JDK 17 client waits
        // for ever when the answer to its Expect is a final one, JDK-8286171.)
        assertTrue(expectContinue(chat, "big.pdf", tooBig).startsWith("HTTP/1.1 413"), "refused before the body");
        String continued = expectContinue(chat, "small.pdf", Samples.pdf());
        assertTrue(continued.startsWith("HTTP/1.1 100 Continue"), continued);
        assertTrue(continued.contains("HTTP/1.1 201") && continued.contains("\"contentType\":\"application/pdf\""), continued);
        // Exactly the limit is fine.
        JsonNode atLimit = upload(chat, "max.pdf", Arrays.copyOf(tooBig, 10 * MB));
        assertEquals(10 * MB, atLimit.get("size").asLong());
        assertEquals(0, budget.running());
    }

    @Test
    void aRetriedUploadStoresOneFile() {
        Chat chat = Chat.start(base);
        byte[] photo = Samples.image("jpg", 40, 30);
        HttpResponse<String> first = chat.api().upload(chat.visitorToken(), chat.id(), "photo.jpg", photo);
        HttpResponse<String> again = chat.api().upload(chat.visitorToken(), chat.id(), "photo.jpg", photo);
        assertEquals(201, first.statusCode());
        assertEquals(200, again.statusCode(), "the same bytes again, not sent yet: the first upload");
        assertEquals(Json.parse(first.body()).get("id"), Json.parse(again.body()).get("id"));
        assertEquals(40, Json.parse(first.body()).get("width").asInt());
        assertEquals(30, Json.parse(first.body()).get("height").asInt());
        // With an Idempotency-Key the retry is answered without its body being needed.
        HttpResponse<String> keyed = chat.api().upload(chat.visitorToken(), chat.id(), "scan.pdf", Samples.pdf(), "Idempotency-Key", "up-1");
        HttpResponse<String> keyedAgain = chat.api().upload(chat.visitorToken(), chat.id(), "scan.pdf", Samples.pdf(), "Idempotency-Key", "up-1");
        assertEquals(201, keyed.statusCode());
        assertEquals(200, keyedAgain.statusCode());
        assertEquals(Json.parse(keyed.body()).get("id"), Json.parse(keyedAgain.body()).get("id"));
        assertEquals(2, rows("select count(*) from attachment where conversation_id = " + chat.id()));
        assertEquals(400, chat.api().upload(chat.visitorToken(), chat.id(), "scan.pdf", Samples.pdf(), "Idempotency-Key", "bad key!").statusCode());
    }

    @Test
    void sendingChecksWhoseUploadsTheyAreAndTakesEachOnce() {
        Chat chat = Chat.start(base);
        Chat other = Chat.start(base);
        String image = upload(chat, "a.png", Samples.image("png", 5, 5)).get("id").asText();
        String foreign = upload(other, "b.png", Samples.image("png", 6, 6)).get("id").asText();

        HttpResponse<String> notMine = chat.api().send(chat.visitorToken(), chat.id(), "s-1", null, List.of(foreign));
        assertEquals(404, notMine.statusCode());
        assertEquals("attachment_not_found", Json.parse(notMine.body()).get("error").asText());
        JsonNode sent = Json.parse(Api.expect(201, chat.api().send(chat.visitorToken(), chat.id(), "s-2", null, List.of(image))).body());
        // A retry of the same send: the original, attachments and all.
        JsonNode retried = Json.parse(Api.expect(200, chat.api().send(chat.visitorToken(), chat.id(), "s-2", null, List.of(image))).body());
        assertEquals(sent.get("message"), retried.get("message"));
        HttpResponse<String> reused = chat.api().send(chat.visitorToken(), chat.id(), "s-3", "again", List.of(image));
        assertEquals(409, reused.statusCode());
        assertEquals("attachment_already_sent", Json.parse(reused.body()).get("error").asText());
        List<String> eleven = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            eleven.add(UUID.randomUUID().toString());
        }
        assertEquals(400, chat.api().send(chat.visitorToken(), chat.id(), "s-4", null, eleven).statusCode());
        assertEquals(400, chat.api().send(chat.visitorToken(), chat.id(), "s-5", null, List.of(image, image)).statusCode());
        assertEquals(400, chat.api().send(chat.visitorToken(), chat.id(), "s-6", null, List.of()).statusCode(), "no text, no file");
    }

    @Test
    void visitorsReadOnlyTheirOwnAndLinksAreBoundToOneFileAndExpire() throws Exception {
        Chat chat = Chat.start(base);
        Chat stranger = Chat.start(base);
        String agent = chat.api().agentToken();
        byte[] png = Samples.image("png", 12, 12);
        String id = upload(chat, "mine.png", png).get("id").asText();
        String url = "/api/attachments/" + id;
        Api.expect(201, chat.api().send(chat.visitorToken(), chat.id(), "l-1", null, List.of(id)));

        assertEquals(404, chat.api().download(stranger.visitorToken(), url).statusCode());
        assertEquals(404, chat.api().get(stranger.visitorToken(), url + "/link").statusCode());
        assertEquals(200, chat.api().download(agent, url).statusCode());

        JsonNode link = Json.parse(Api.expect(200, chat.api().get(chat.visitorToken(), url + "/link")).body());
        String signed = link.get("url").asText();
        assertTrue(Instant.parse(link.get("expiresAt").asText()).isAfter(Instant.now()));
        HttpResponse<byte[]> anonymous = chat.api().download(null, signed);
        assertEquals(200, anonymous.statusCode());
        assertArrayEquals(png, anonymous.body());

        // Tampered: another signature, or this signature on another attachment.
        String sig = signed.substring(signed.indexOf("sig=") + 4);
        String tampered = signed.replace("sig=" + sig, "sig=" + (sig.charAt(0) == 'A' ? 'B' : 'A') + sig.substring(1));
        assertEquals(403, chat.api().download(null, tampered).statusCode());
        // A signed link is a bearer secret: the access log keeps the path only, and nothing else logs it.
        io.switchboard.support.TestLogs.assertContainsNone("an attachment link's signature", sig, tampered.substring(tampered.indexOf("sig=") + 4));
        String otherId = upload(stranger, "theirs.png", Samples.image("png", 3, 3)).get("id").asText();
        assertEquals(403, chat.api().download(null, signed.replace(id, otherId)).statusCode());
        // Expired: correctly signed with the service's key, but for a time that has passed.
        long past = Instant.now().minusSeconds(5).getEpochSecond();
        assertEquals(403, chat.api().download(null, url + "?exp=" + past + "&sig=" + sign(id, past)).statusCode());
        long future = Instant.now().plusSeconds(60).getEpochSecond();
        assertEquals(200, chat.api().download(null, url + "?exp=" + future + "&sig=" + sign(id, future)).statusCode(),
                "the same signing, unexpired, works: the refusal above was the expiry");

        // An agent's private note with a file: the visitor can never read it.
        String note = Json.parse(Api.expect(201, chat.api().upload(agent, chat.id(), "internal.pdf", Samples.pdf())).body()).get("id").asText();
        var noteBody = Json.object().put("clientMsgId", "l-note-" + chat.id()).put("internal", true);
        noteBody.putArray("attachments").add(note);
        Api.expect(201, chat.api().request("POST", "/api/conversations/" + chat.id() + "/messages", agent, noteBody.toString()));
        assertEquals(404, chat.api().download(chat.visitorToken(), "/api/attachments/" + note).statusCode());
        assertEquals(404, chat.api().get(chat.visitorToken(), "/api/attachments/" + note + "/link").statusCode());
        assertEquals(200, chat.api().download(agent, "/api/attachments/" + note).statusCode());
    }

    @Test
    void rangesAndRevalidation() {
        Chat chat = Chat.start(base);
        byte[] data = Samples.bytes(700 * 1024, 7);
        JsonNode file = upload(chat, "large.pdf", data);
        String url = file.get("url").asText();
        HttpResponse<byte[]> middle = chat.api().download(chat.visitorToken(), url, "Range", "bytes=262000-524400");
        assertEquals(206, middle.statusCode());
        assertEquals("bytes 262000-524400/" + data.length, middle.headers().firstValue("Content-Range").orElseThrow());
        assertArrayEquals(Arrays.copyOfRange(data, 262000, 524401), middle.body());
        HttpResponse<byte[]> tail = chat.api().download(chat.visitorToken(), url, "Range", "bytes=-100");
        assertArrayEquals(Arrays.copyOfRange(data, data.length - 100, data.length), tail.body());
        assertEquals(416, chat.api().download(chat.visitorToken(), url, "Range", "bytes=" + data.length + "-").statusCode());
        HttpResponse<byte[]> whole = chat.api().download(chat.visitorToken(), url);
        assertArrayEquals(data, whole.body());
        String etag = whole.headers().firstValue("ETag").orElseThrow();
        assertEquals(304, chat.api().download(chat.visitorToken(), url, "If-None-Match", etag).statusCode());
    }

    @Test
    void aFileReachesTheStoreWhileItIsStillBeingSentAndASlowReaderGetsItWhole() throws Exception {
        Chat chat = Chat.start(base);
        int size = 10 * MB;
        int pauseAt = 6 * MB;
        CountDownLatch reached = new CountDownLatch(1);
        CountDownLatch measured = new CountDownLatch(1);
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        InputStream generated = new InputStream() {
            private final Random random = new Random(11);
            private int position;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (position >= size) {
                    return -1;
                }
                if (position >= pauseAt && reached.getCount() > 0) {
                    reached.countDown();
                    try {
                        measured.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                int n = Math.min(len, Math.min(size - position, (position < pauseAt ? pauseAt : size) - position));
                n = Math.max(1, Math.min(n, 16 * 1024));
                byte[] chunk = new byte[n];
                random.nextBytes(chunk);
                if (position == 0) {
                    System.arraycopy("%PDF-1.7\n".getBytes(StandardCharsets.US_ASCII), 0, chunk, 0, Math.min(9, n));
                }
                System.arraycopy(chunk, 0, b, off, n);
                sent.update(chunk);
                position += n;
                return n;
            }
        };
        CompletableFuture<HttpResponse<String>> upload = CompletableFuture.supplyAsync(() -> chat.api().upload(chat.visitorToken(),
                chat.id(), "stream.pdf", HttpRequest.BodyPublishers.ofInputStream(() -> generated)));
        assertTrue(reached.await(60, TimeUnit.SECONDS));
        // While the client still holds the last 4 MB, everything it has sent has reached the store (all whole
        // chunks of the first 6 MB): a server that buffered the body would store nothing before it ended.
        // (How little heap an upload holds is a figure, not an assertion: bench/run.sh's "upload" step.)
        await().atMost(Duration.ofSeconds(30)).until(() -> rows("select count(*) from attachment_chunk c join attachment a"
                + " on a.id = c.attachment_id where a.conversation_id = " + chat.id()) >= pauseAt / (256 * 1024) - 1);
        measured.countDown();
        HttpResponse<String> response = upload.get(60, TimeUnit.SECONDS);
        assertEquals(201, response.statusCode(), response.body());
        JsonNode file = Json.parse(response.body());
        // Read back by a slow reader: the server waits for its socket to drain, many times, and must neither
        // skip nor repeat a chunk.
        byte[] digest = sent.digest();
        java.nio.file.Path log = java.nio.file.Path.of("target", "test-logs", "quarkus.log");
        long logged = java.nio.file.Files.size(log);
        HttpResponse<InputStream> back = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                base.resolve(file.get("url").asText())).header("Authorization", "Bearer " + chat.visitorToken()).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        MessageDigest received = MessageDigest.getInstance("SHA-256");
        long total = 0;
        try (InputStream in = back.body()) {
            byte[] buffer = new byte[16 * 1024];
            for (int n; (n = in.read(buffer)) > 0; total += n) {
                received.update(buffer, 0, n);
                if ((total / buffer.length) % 16 == 0) {
                    Thread.sleep(3); // the stimulus, not a wait: a reader slower than the server fills its socket
                }
            }
        }
        assertEquals(size, total);
        assertArrayEquals(digest, received.digest());
        try (var raf = new java.io.RandomAccessFile(log.toFile(), "r")) {
            raf.seek(logged);
            byte[] since = new byte[(int) (raf.length() - logged)];
            raf.readFully(since);
            String errors = new String(since, StandardCharsets.UTF_8).lines().filter(l -> l.contains("\"level\":\"ERROR\""))
                    .collect(java.util.stream.Collectors.joining("\n"));
            assertEquals("", errors, "the download logged errors");
        }
    }

    @Test
    void uploadsInProgressHaveABudgetPerIdentityAndPerInstance() throws Exception {
        List<CountDownLatch> gates = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> stalled = new ArrayList<>();
        Chat first = Chat.start(base);
        try {
            for (int i = 0; i < 3; i++) {
                stalled.add(stalledUpload(first, gates));
                int expected = i + 1;
                await().atMost(Duration.ofSeconds(10)).until(() -> budget.running() == expected);
            }
            HttpResponse<String> fourth = first.api().upload(first.visitorToken(), first.id(), "more.pdf", Samples.pdf());
            assertEquals(429, fourth.statusCode(), "a fourth upload at once by one visitor");
            assertTrue(fourth.headers().firstValue("Retry-After").isPresent());
            // 29 more by others fill the instance's 32; the 33rd is refused as overload.
            while (budget.running() < 32) {
                Chat other = Chat.start(base);
                for (int i = 0; i < 3 && budget.running() < 32; i++) {
                    int expected = budget.running() + 1;
                    stalled.add(stalledUpload(other, gates));
                    await().atMost(Duration.ofSeconds(10)).until(() -> budget.running() == expected);
                }
            }
            Chat late = Chat.start(base);
            HttpResponse<String> refused = late.api().upload(late.visitorToken(), late.id(), "late.pdf", Samples.pdf());
            assertEquals(503, refused.statusCode());
            assertEquals("overloaded", Json.parse(refused.body()).get("error").asText());
            assertTrue(budget.identities() <= 32);
            assertTrue(budget.addresses() <= 32, "the per-address map holds only addresses with an upload running");
        } finally {
            gates.forEach(CountDownLatch::countDown);
        }
        for (CompletableFuture<HttpResponse<String>> upload : stalled) {
            assertEquals(201, upload.get(30, TimeUnit.SECONDS).statusCode());
        }
        assertEquals(0, budget.running());
        assertEquals(0, budget.identities());
        assertEquals(0, budget.addresses(), "an address leaves the map with its last upload");
    }

    @Test
    void unsentUploadsAreSweptAndCancelledOnesDeleted() throws SQLException {
        Chat chat = Chat.start(base);
        String kept = upload(chat, "kept.png", Samples.image("png", 4, 4)).get("id").asText();
        Api.expect(201, chat.api().send(chat.visitorToken(), chat.id(), "sw-1", null, List.of(kept)));
        String orphan = upload(chat, "orphan.pdf", Samples.pdf()).get("id").asText();
        String cancelled = upload(chat, "oops.png", Samples.image("png", 9, 9)).get("id").asText();

        assertEquals(204, chat.api().request("DELETE", "/api/attachments/" + cancelled, chat.visitorToken(), null).statusCode());
        assertEquals(404, chat.api().request("DELETE", "/api/attachments/" + kept, chat.visitorToken(), null).statusCode(),
                "a sent attachment is the conversation's now");
        assertEquals(404, chat.api().download(chat.visitorToken(), "/api/attachments/" + cancelled).statusCode());

        execute("update attachment set created_at = now() - interval '25 hours' where conversation_id = " + chat.id());
        attachments.sweep().await().atMost(Duration.ofSeconds(30));
        assertEquals(0, rows("select count(*) from attachment where id = '" + orphan + "'"));
        assertEquals(0, rows("select count(*) from attachment_chunk where attachment_id = '" + orphan + "'"));
        assertEquals(1, rows("select count(*) from attachment where id = '" + kept + "'"), "a sent one stays");
        assertEquals(200, chat.api().download(chat.visitorToken(), "/api/attachments/" + kept).statusCode());
    }

    // ---- helpers --------------------------------------------------------------------------------------

    /**
     * An upload over a raw socket that sends {@code Expect: 100-continue} and sends its body only after a
     * "100 Continue"; returns everything the server said.
     */
    private String expectContinue(Chat chat, String name, byte[] body) throws IOException {
        try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            var out = socket.getOutputStream();
            out.write(("POST /api/conversations/" + chat.id() + "/attachments?name=" + name + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer " + chat.visitorToken() + "\r\nContent-Length: " + body.length
                    + "\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] first = new byte[4096];
            int n = in.read(first);
            String said = new String(first, 0, Math.max(0, n), StandardCharsets.UTF_8);
            if (said.startsWith("HTTP/1.1 100")) {
                out.write(body);
                out.flush();
                said += new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            return said;
        }
    }

    private static JsonNode upload(Chat chat, String name, byte[] bytes) {
        return Json.parse(Api.expect(201, chat.api().upload(chat.visitorToken(), chat.id(), name, bytes)).body());
    }

    /** An upload that sends its first 64 KB (the JDK client sends nothing before it has a few buffers), then waits for its gate. */
    private static CompletableFuture<HttpResponse<String>> stalledUpload(Chat chat, List<CountDownLatch> gates) {
        CountDownLatch gate = new CountDownLatch(1);
        gates.add(gate);
        byte[] data = Samples.bytes(256 * 1024, gates.size());
        int stallAt = 64 * 1024;
        InputStream body = new InputStream() {
            private int position;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (position >= data.length) {
                    return -1;
                }
                if (position >= stallAt) {
                    try {
                        gate.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                int n = Math.min(len, Math.min(data.length - position, position < stallAt ? stallAt - position : data.length));
                System.arraycopy(data, position, b, off, n);
                position += n;
                return n;
            }
        };
        // Its own client: a body publisher that blocks stalls its HttpClient's other requests too.
        Api client = new Api(chat.api().base());
        return CompletableFuture.supplyAsync(() -> client.upload(chat.visitorToken(), chat.id(), "slow.pdf",
                HttpRequest.BodyPublishers.ofInputStream(() -> body)), CLIENTS);
    }

    private String sign(String id, long exp) throws Exception {
        byte[] key;
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("select secret from signing_key where name = 'attachments'");
                ResultSet r = s.executeQuery()) {
            r.next();
            key = r.getBytes(1);
        }
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal((id + "." + exp).getBytes(StandardCharsets.US_ASCII)));
    }

    private int rows(String sql) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql); ResultSet r = s.executeQuery()) {
            r.next();
            return r.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private String rowsText(String sql) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql); ResultSet r = s.executeQuery()) {
            r.next();
            return r.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A ZIP with these entries, in this order, each holding a line of text. */
    private static byte[] zip(String... entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (String entry : entries) {
                zip.putNextEntry(new ZipEntry(entry));
                zip.write(("<x>" + entry + "</x>").getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.executeUpdate();
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

}
