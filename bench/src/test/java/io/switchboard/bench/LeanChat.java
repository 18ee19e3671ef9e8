package io.switchboard.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The chat of {@link ChatSimulation}, driven by a lean client: the JDK's own WebSocket and HTTP clients,
 * one pacing thread, no framework. Gatling on the same two cores spends more CPU per message than the
 * server does; this client measures the same thing (send → received for both parties, send → ack) for a
 * fraction of it, so the ramp finds the server's limit rather than the load generator's.
 * <p>
 * Settings as for ChatSimulation ({@code bench.base}, {@code bench.conversations}, {@code bench.rate},
 * {@code bench.duration}, {@code bench.feed}, {@code bench.out}, {@code bench.transport}: {@code websocket},
 * or {@code sse} / {@code longpoll}, where each party sends over REST — one request per message, answered
 * once it is committed — and receives on its conversation's event stream or by long-polling its messages).
 * A send refused with an error frame or an HTTP error ({@code overloaded}) counts as an error and is not
 * expected to be delivered. The JSON written also holds
 * the CPU seconds spent while the messages were sent and delivered (connecting and subscribing excluded): this
 * process's own ({@code loadCpuS}), the service's ({@code serverCpuS}, given {@code bench.server-pid}) and
 * PostgreSQL's ({@code postgresCpuS}).
 */
public final class LeanChat {

    private static final Pattern REF = Pattern.compile("\"ref\"\\s*:\\s*\"(b[va]-\\d{13}-\\d+-\\d+)\"");
    private static final Pattern CODE = Pattern.compile("\"code\"\\s*:\\s*\"([a-z_]+)\"");
    private static final Pattern SEQ = Pattern.compile("\"seq\"\\s*:\\s*(\\d+)");

    private final String base = Fixture.setting("base", "http://127.0.0.1:8080");
    private final int conversations = Fixture.setting("conversations", 100);
    private final int rate = Fixture.setting("rate", 1000);
    private final int seconds = Fixture.setting("duration", 20);
    private final boolean feed = !Fixture.setting("feed", "off").equals("off");
    private final String transport = Fixture.setting("transport", "websocket");
    private final ServerProbe server = new ServerProbe(Fixture.setting("server-pid", ""));
    private final Latencies latencies = new Latencies();
    private final AtomicLong refused = new AtomicLong();
    private final Map<String, AtomicLong> errorCodes = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder()
            .executor(Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "lean-io");
                t.setDaemon(true);
                return t;
            })).build();

    public static void main(String[] args) throws Exception {
        new LeanChat().run();
        System.exit(0);
    }

    private void run() throws Exception {
        Fixture fixture = new Fixture(base);
        List<Party> parties = new ArrayList<>();
        for (Map<String, Object> p : fixture.parties(conversations, fixture.agentToken())) {
            String role = (String) p.get("role");
            String token = (String) p.get("token");
            long conversation = (Long) p.get("conv");
            parties.add(switch (transport) {
                case "websocket" -> new SocketParty(role, token, conversation);
                case "sse" -> new StreamParty(role, token, conversation);
                case "longpoll" -> new LongPollParty(role, token, conversation);
                default -> throw new IllegalArgumentException("bench.transport: websocket, sse or longpoll");
            });
        }
        for (Party party : parties) {
            party.connect();
        }
        for (Party party : parties) {
            if (!party.subscribed.await(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException(party.role + " " + party.conversation + " never subscribed");
            }
        }
        long cpu0 = processCpuNanos();
        double server0 = server.serverCpuSeconds();
        double postgres0 = ServerProbe.postgresCpuSeconds();
        // Pace: message k is due at start + k / rate, spread round-robin over the parties.
        long start = System.nanoTime();
        long total = (long) rate * seconds;
        for (long k = 0; k < total; k++) {
            long due = start + k * 1_000_000_000L / rate;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            parties.get((int) (k % parties.size())).send();
        }
        double sendingSeconds = (System.nanoTime() - start) / 1e9;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline && latencies.receivedCount() < 2 * (latencies.sentCount() - refused.get())) {
            Thread.sleep(50);
        }
        long cpu = processCpuNanos() - cpu0;
        double serverCpu = server.serverCpuSeconds() - server0;
        double postgresCpu = ServerProbe.postgresCpuSeconds() - postgres0;
        for (Party party : parties) {
            party.close();
        }
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("scenario", "chat");
        parameters.put("client", "lean");
        parameters.put("transport", transport);
        parameters.put("conversations", conversations);
        parameters.put("rateTarget", rate);
        parameters.put("durationSeconds", seconds);
        parameters.put("agentFeed", feed ? "on" : "off");
        parameters.put("expected", 2 * (latencies.sentCount() - refused.get()));
        parameters.put("refused", refused.get());
        parameters.put("achievedRate", Math.round(latencies.sentCount() / sendingSeconds));
        parameters.put("loadCpuS", String.format(Locale.ROOT, "%.2f", cpu / 1e9));
        parameters.put("serverCpuS", String.format(Locale.ROOT, "%.2f", serverCpu));
        parameters.put("postgresCpuS", String.format(Locale.ROOT, "%.2f", postgresCpu));
        errorCodes.forEach((code, n) -> parameters.put("error_" + code, n.get()));
        latencies.write(Path.of(Fixture.setting("out", "results/raw/lean-" + rate + ".json")), parameters);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** One side of one conversation. */
    private abstract class Party {
        final String role;
        final String token;
        final long conversation;
        final String receiver;
        final CountDownLatch subscribed = new CountDownLatch(1);
        long n;

        Party(String role, String token, long conversation) {
            this.role = role;
            this.token = token;
            this.conversation = conversation;
            this.receiver = role + conversation;
        }

        abstract void connect();

        abstract void send();

        abstract void close();

        void failed(String code) {
            errorCodes.computeIfAbsent(code, k -> new AtomicLong()).incrementAndGet();
            latencies.error();
        }
    }

    /**
     * Sends over REST, one request per message on a keep-alive connection of its own, each answered once its
     * message is committed; the pacing thread only queues them. Blocking sockets, a thread per connection:
     * the JDK's asynchronous HTTP client spent more CPU per request than the server (measured: 2.2 ms per
     * delivered message, 20 s queues at 2,000 msg/s).
     */
    private abstract class HttpParty extends Party {
        private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> thread(r, "lean-send-" + receiver));
        private Http1 sending;
        volatile Http1 receiving;
        volatile boolean closed;

        HttpParty(String role, String token, long conversation) {
            super(role, token, conversation);
        }

        String auth() {
            return "Authorization: Bearer " + token + "\r\nX-Switchboard-As: " + role + "\r\n";
        }

        String path(String rest) {
            return "/api/conversations/" + conversation + rest;
        }

        @Override
        void send() {
            String id = Latencies.id(role, conversation, n++);
            latencies.sent();
            sender.execute(() -> post(id));
        }

        private void post(String id) {
            try {
                if (sending == null) {
                    sending = new Http1(URI.create(base));
                }
                Http1.Response response = sending.request("POST", path("/messages"), auth(),
                        "{\"clientMsgId\":\"" + id + "\",\"text\":\"bench\"}");
                String body = response.text();
                long at = System.currentTimeMillis();
                if (response.status() / 100 == 2) {
                    latencies.record("persisted", at - Long.parseLong(id.substring(3, 16)));
                } else {
                    refused.incrementAndGet();
                    Matcher m = CODE.matcher(body);
                    failed(m.find() ? m.group(1) : "http_" + response.status());
                }
            } catch (IOException e) {
                refused.incrementAndGet();
                failed("socket");
                Http1.closeQuietly(sending);
                sending = null;
            }
        }

        /** Receives on the transport, on a thread of its own, over {@link #receiving}. */
        abstract void receive();

        @Override
        void connect() {
            thread(this::receive, "lean-receive-" + receiver).start();
        }

        @Override
        void close() {
            closed = true;
            sender.shutdown();
            Http1.closeQuietly(receiving);
        }
    }

    /** Receives on the conversation's Server-Sent Events stream, as {@code EventSource} would. */
    private final class StreamParty extends HttpParty {
        StreamParty(String role, String token, long conversation) {
            super(role, token, conversation);
        }

        @Override
        void receive() {
            try {
                receiving = new Http1(URI.create(base));
                Http1.Response response = receiving.request("GET", path("/events?after=0&as=" + role + "&access_token=" + token),
                        "Accept: text/event-stream\r\n", null);
                if (response.status() != 200) {
                    failed("stream_" + response.status());
                    return;
                }
                for (String line = Http1.line(response.body()); line != null; line = Http1.line(response.body())) {
                    if (line.startsWith("data:{\"type\":\"message\"")) {
                        latencies.received(line, System.currentTimeMillis(), role, receiver);
                    } else if (line.startsWith(":connected")) {
                        subscribed.countDown();
                    }
                }
            } catch (IOException e) {
                if (!closed) {
                    failed("stream");
                }
            }
        }
    }

    /** Receives by long-polling its messages after the last seq it has, one request after another. */
    private final class LongPollParty extends HttpParty {
        LongPollParty(String role, String token, long conversation) {
            super(role, token, conversation);
        }

        @Override
        void receive() {
            subscribed.countDown();
            long cursor = 0;
            while (!closed) {
                try {
                    if (receiving == null) {
                        receiving = new Http1(URI.create(base));
                    }
                    Http1.Response response = receiving.request("GET", path("/messages?limit=200&after=" + cursor + "&wait=5s"), auth(), null);
                    String body = response.text();
                    long at = System.currentTimeMillis();
                    if (response.status() != 200) {
                        failed("poll_" + response.status());
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                        continue;
                    }
                    latencies.received(body, at, role, receiver);
                    Matcher seq = SEQ.matcher(body);
                    while (seq.find()) {
                        cursor = Math.max(cursor, Long.parseLong(seq.group(1)));
                    }
                } catch (IOException e) {
                    if (!closed) {
                        failed("poll");
                    }
                    Http1.closeQuietly(receiving);
                    receiving = null;
                }
            }
        }
    }

    private static Thread thread(Runnable task, String name) {
        Thread t = new Thread(null, task, name, 256 * 1024);
        t.setDaemon(true);
        return t;
    }

    /** One side of one conversation on a WebSocket, its sends chained one after another (the JDK allows one outstanding send). */
    private final class SocketParty extends Party implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();
        private WebSocket socket;
        private CompletableFuture<WebSocket> sending;

        SocketParty(String role, String token, long conversation) {
            super(role, token, conversation);
        }

        @Override
        void connect() {
            URI uri = URI.create(base.replaceFirst("^http", "ws") + "/ws/" + role + "?access_token=" + token
                    + (feed ? "" : "&feed=off"));
            socket = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)).buildAsync(uri, this).join();
            sending = socket.sendText("{\"type\":\"resume\",\"conversationId\":" + conversation + ",\"after\":0}", true);
        }

        @Override
        synchronized void send() {
            String id = Latencies.id(role, conversation, n++);
            String frame = "{\"type\":\"send\",\"ref\":\"" + id + "\",\"conversationId\":" + conversation
                    + ",\"clientMsgId\":\"" + id + "\",\"text\":\"bench\"}";
            latencies.sent();
            sending = sending.thenCompose(ws -> ws.sendText(frame, true));
        }

        @Override
        void close() {
            sending.thenCompose(ws -> ws.sendClose(WebSocket.NORMAL_CLOSURE, "done")).orTimeout(5, TimeUnit.SECONDS)
                    .exceptionally(e -> null).join();
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            long at = System.currentTimeMillis();
            partial.append(data);
            if (last) {
                String frame = partial.toString();
                partial.setLength(0);
                frame(frame, at);
            }
            ws.request(1);
            return null;
        }

        private void frame(String frame, long at) {
            if (frame.startsWith("{\"type\":\"message\"")) {
                latencies.received(frame, at, role, receiver);
            } else if (frame.startsWith("{\"type\":\"ack\"")) {
                Matcher m = REF.matcher(frame);
                if (m.find()) {
                    latencies.record("persisted", at - Long.parseLong(m.group(1).substring(3, 16)));
                }
            } else if (frame.startsWith("{\"type\":\"subscribed\"")) {
                subscribed.countDown();
            } else if (frame.startsWith("{\"type\":\"error\"")) {
                Matcher m = CODE.matcher(frame);
                failed(m.find() ? m.group(1) : "unknown");
                if (REF.matcher(frame).find()) {
                    refused.incrementAndGet();
                }
            }
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            failed("socket");
        }
    }
}
