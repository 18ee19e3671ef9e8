package io.switchboard.drills;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.live.ConnectionRegistry;
import io.switchboard.live.Transport;
import io.switchboard.support.Api;
import io.switchboard.support.Chat;
import io.switchboard.support.RawWebSocket;
import io.switchboard.support.Receiver;
import io.switchboard.support.SseClient;
import io.switchboard.support.WsClient;
import jakarta.inject.Inject;

/**
 * Drill 3 of issue #6: a WebSocket client stops reading while 10,000 messages (39 MB of text) are sent into
 * its conversation. The server drops it with the documented 4000 instead of queueing for it: what it finds
 * queued once it reads again is bounded by {@code max-pending-bytes} plus what TCP holds, not by the flood,
 * and the client resumes by cursor with every message, once, in order. (The memory this costs the server is
 * a benchmark figure, not asserted here: the test JVM's heap is shared with the clients and noisy.)
 */
@QuarkusTest
class SlowConsumerDrillTest {

    private static final int MESSAGES = 10_000;

    @TestHTTPResource("/")
    URI base;

    @Inject
    ConnectionRegistry registry;

    @Inject
    SwitchboardConfig config;

    @Test
    void aClientThatStopsReadingDuring10000MessagesIsDroppedWith4000AndResumesWithoutLoss() throws Exception {
        Chat chat = Chat.start(base);
        String agent = chat.api().agentToken();
        String text = "m".repeat(3900);
        int before = registry.count(Transport.websocket);

        ExecutorService senders = Executors.newFixedThreadPool(4);
        try (Socket raw = new Socket()) {
            raw.setReceiveBufferSize(2048);
            raw.connect(new InetSocketAddress(base.getHost(), base.getPort()));
            RawWebSocket.handshakeAndResume(raw, chat.visitorToken(), chat.id());
            await().atMost(Duration.ofSeconds(10)).until(() -> registry.count(Transport.websocket) == before + 1);

            List<Future<?>> loops = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                loops.add(senders.submit(() -> {
                    for (int n = thread; n < MESSAGES; n += 4) {
                        chat.send(agent, "slow-" + chat.id() + "-" + n, text);
                    }
                }));
            }
            // It is dropped long before the flood ends; reading now finds the documented close code at the end
            // of what was queued for it.
            await().atMost(Duration.ofSeconds(120)).until(() -> registry.count(Transport.websocket) == before);
            raw.setSoTimeout(30_000);
            RawWebSocket.Closed closed = RawWebSocket.readToClose(raw);
            assertEquals(4000, closed.code(), "dropped as a slow consumer");
            // What was queued for it: at most the server's budget plus the kernel's send buffer (its ceiling
            // is tcp_wmem's third field) and the client's tiny receive buffer. Unbounded, it would be the
            // whole flood: 10,000 × 3.9 KB = 39 MB.
            long budget = config.limits().maxPendingBytes() + kernelSendBufferCeiling() + 64 * 1024;
            System.out.printf("slow consumer drill: %d messages sent, %d KB queued for the dropped client (bound %d KB)%n",
                    MESSAGES, closed.dataBytes() / 1024, budget / 1024);
            assertTrue(closed.dataBytes() <= budget, closed.dataBytes() + " bytes were queued for a client that stopped reading");
            for (Future<?> loop : loops) {
                loop.get(5, TimeUnit.MINUTES);
            }
        } finally {
            senders.shutdownNow();
        }

        try (Receiver again = WsClient.following(base, "visitor", chat.visitorToken(), chat.id(), 0)) {
            // + 1: "… joined the conversation", stored before the agent's first message
            await().atMost(Duration.ofSeconds(120)).until(() -> again.received().size() >= MESSAGES + 1);
            assertEquals(LongStream.rangeClosed(1, MESSAGES + 1).boxed().toList(), again.seqs());
        }
    }

    /**
     * The other way to stall: the messages are already stored and the client resumes from 0 but never reads,
     * so the replay (which goes at the client's pace) waits on it. The stall is detected and the client is
     * dropped with the same 4000, which it finds at the end of what was queued once it reads again.
     */
    @Test
    void aClientThatStopsReadingDuringAReplayIsDroppedWith4000AndResumesWithoutLoss() throws Exception {
        Chat chat = Chat.start(base);
        int stored = 2_000;
        try (Socket raw = stalledDuringAReplay(chat, stored)) {
            raw.setSoTimeout(30_000);
            assertEquals(4000, RawWebSocket.readUntilClose(raw), "dropped as a slow consumer during the replay");
        }
        try (Receiver again = WsClient.following(base, "visitor", chat.visitorToken(), chat.id(), 0)) {
            // + 1: "… joined the conversation", stored before the agent's first message
            await().atMost(Duration.ofSeconds(60)).until(() -> again.received().size() >= stored + 1);
            assertEquals(LongStream.rangeClosed(1, stored + 1).boxed().toList(), again.seqs());
        }
    }

    /**
     * A hostile client: it stops reading, is dropped, and keeps the connection busy by sending pings without
     * ever reading its backlog (or the close frame behind it). The server must not hold that connection and
     * its queued bytes for as long as the client likes: once nothing could be written for
     * {@code write-stall-timeout}, the TCP connection is torn down, and the client's next write fails.
     */
    @Test
    void aDroppedClientThatKeepsSendingButNeverReadsLosesItsConnection() throws Exception {
        Chat chat = Chat.start(base);
        try (Socket raw = stalledDuringAReplay(chat, 2_000)) {
            long stall = config.limits().writeStallTimeout().toSeconds();
            await().atMost(Duration.ofSeconds(stall + 60)).pollInterval(Duration.ofMillis(500)).until(() -> {
                try {
                    RawWebSocket.ping(raw);
                    return false;
                } catch (IOException e) {
                    return true; // reset by the server
                }
            });
        }
    }

    /**
     * An SSE client that resumes from 0 and never reads: the replay stalls, and within
     * {@code replay-stall-timeout} (10 s) its connection is closed at the TCP level, not left ESTABLISHED with
     * its backlog until the write-stall teardown (60 s): its next writes fail. It resumes without loss.
     */
    @Test
    void anSseClientThatStopsReadingDuringAReplayIsCutOffWithinTheStallTimeout() throws Exception {
        Chat chat = Chat.start(base);
        int stored = 2_000;
        sendConcurrently(chat.api(), chat.api().agentToken(), chat.id(), stored, "m".repeat(3900));
        int before = registry.count(Transport.sse);
        try (Socket raw = new Socket()) {
            raw.setReceiveBufferSize(2048);
            raw.connect(new InetSocketAddress(base.getHost(), base.getPort()));
            raw.getOutputStream().write(("GET /api/conversations/" + chat.id() + "/events?after=0 HTTP/1.1\r\nHost: localhost\r\n"
                    + "Accept: text/event-stream\r\nAuthorization: Bearer " + chat.visitorToken() + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            await().atMost(Duration.ofSeconds(10)).until(() -> registry.count(Transport.sse) == before + 1);
            long opened = System.nanoTime();
            long stall = config.limits().replayStallTimeout().toSeconds();
            await().atMost(Duration.ofSeconds(stall + 20)).until(() -> registry.count(Transport.sse) == before);
            System.out.printf("SSE client that stopped reading during a replay: dropped after %d ms%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened));
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
                try {
                    raw.getOutputStream().write("\r\n".getBytes(StandardCharsets.US_ASCII)); // ignored between requests
                    raw.getOutputStream().flush();
                    return false;
                } catch (IOException e) {
                    return true; // the server closed the connection
                }
            });
        }
        try (Receiver again = SseClient.following(base, chat.visitorToken(), chat.id(), 0)) {
            // + 1: "… joined the conversation", stored before the agent's first message
            await().atMost(Duration.ofSeconds(120)).until(() -> again.received().size() >= stored + 1);
            assertEquals(LongStream.rangeClosed(1, stored + 1).boxed().toList(), again.seqs());
        }
    }

    /**
     * {@code stored} messages of 3.9 KB (7.8 MB for 2,000: more than the socket buffers of both ends hold), then
     * a raw client with a tiny receive buffer that resumes from 0 and never reads; returns its socket once the
     * server has dropped it as a slow consumer.
     */
    private Socket stalledDuringAReplay(Chat chat, int stored) throws Exception {
        sendConcurrently(chat.api(), chat.api().agentToken(), chat.id(), stored, "m".repeat(3900));
        int before = registry.count(Transport.websocket);
        Socket raw = new Socket();
        try {
            raw.setReceiveBufferSize(2048);
            raw.connect(new InetSocketAddress(base.getHost(), base.getPort()));
            RawWebSocket.handshakeAndResume(raw, chat.visitorToken(), chat.id());
            await().atMost(Duration.ofSeconds(10)).until(() -> registry.count(Transport.websocket) == before + 1);
            await().atMost(Duration.ofSeconds(60)).until(() -> registry.count(Transport.websocket) == before);
            return raw;
        } catch (Exception | AssertionError e) {
            raw.close();
            throw e;
        }
    }

    private static void sendConcurrently(Api api, String token, long conversation, int count, String text)
            throws Exception {
        ExecutorService senders = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> loops = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                loops.add(senders.submit(() -> {
                    for (int n = thread; n < count; n += 4) {
                        api.sendOk(token, conversation, "stored-" + conversation + "-" + n, text);
                    }
                }));
            }
            for (Future<?> loop : loops) {
                loop.get(5, TimeUnit.MINUTES);
            }
        } finally {
            senders.shutdownNow();
        }
    }

    /** The most a TCP socket's send buffer grows to here (Linux: the third field of tcp_wmem). */
    private static long kernelSendBufferCeiling() throws IOException {
        Path wmem = Path.of("/proc/sys/net/ipv4/tcp_wmem");
        if (!Files.isReadable(wmem)) {
            return 4L * 1024 * 1024;
        }
        // Read as a stream: procfs reports a size of 0, and Files.readString reads a single byte of it.
        try (InputStream in = Files.newInputStream(wmem)) {
            return Long.parseLong(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim().split("\\s+")[2]);
        }
    }
}
