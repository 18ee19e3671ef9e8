package io.switchboard.bench;

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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The WebSocket chat of {@link ChatSimulation}, driven by a lean client: the JDK's own WebSocket client,
 * one pacing thread, no framework. Gatling on the same two cores spends more CPU per message than the
 * server does; this client measures the same thing (send → received for both parties, send → ack) for a
 * fraction of it, so the ramp finds the server's limit rather than the load generator's.
 * <p>
 * Settings as for ChatSimulation ({@code bench.base}, {@code bench.conversations}, {@code bench.rate},
 * {@code bench.duration}, {@code bench.feed}, {@code bench.out}). A send refused with an error frame
 * ({@code overloaded}) counts as an error and is not expected to be delivered. The JSON written also holds
 * the CPU seconds spent while the messages were sent and delivered (connecting and subscribing excluded): this
 * process's own ({@code loadCpuS}), the service's ({@code serverCpuS}, given {@code bench.server-pid}) and
 * PostgreSQL's ({@code postgresCpuS}).
 */
public final class LeanChat {

    private static final Pattern REF = Pattern.compile("\"ref\"\\s*:\\s*\"(b[va]-\\d{13}-\\d+-\\d+)\"");
    private static final Pattern CODE = Pattern.compile("\"code\"\\s*:\\s*\"([a-z_]+)\"");

    private final String base = Fixture.setting("base", "http://127.0.0.1:8080");
    private final int conversations = Fixture.setting("conversations", 100);
    private final int rate = Fixture.setting("rate", 1000);
    private final int seconds = Fixture.setting("duration", 20);
    private final boolean feed = !Fixture.setting("feed", "off").equals("off");
    private final ServerProbe server = new ServerProbe(Fixture.setting("server-pid", ""));
    private final Latencies latencies = new Latencies();
    private final AtomicLong refused = new AtomicLong();
    private final Map<String, AtomicLong> errorCodes = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder()
            .executor(Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "lean-ws");
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
            parties.add(new Party((String) p.get("role"), (String) p.get("token"), (Long) p.get("conv")));
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
        parameters.put("transport", "websocket");
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

    /** One side of one conversation: a socket, its sends chained one after another (the JDK allows one outstanding send). */
    private final class Party implements WebSocket.Listener {
        final String role;
        final String token;
        final long conversation;
        final String receiver;
        final CountDownLatch subscribed = new CountDownLatch(1);
        private final StringBuilder partial = new StringBuilder();
        private WebSocket socket;
        private CompletableFuture<WebSocket> sending;
        private long n;

        Party(String role, String token, long conversation) {
            this.role = role;
            this.token = token;
            this.conversation = conversation;
            this.receiver = role + conversation;
        }

        void connect() {
            URI uri = URI.create(base.replaceFirst("^http", "ws") + "/ws/" + role + "?access_token=" + token
                    + (feed ? "" : "&feed=off"));
            socket = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)).buildAsync(uri, this).join();
            sending = socket.sendText("{\"type\":\"resume\",\"conversationId\":" + conversation + ",\"after\":0}", true);
        }

        synchronized void send() {
            String id = Latencies.id(role, conversation, n++);
            String frame = "{\"type\":\"send\",\"ref\":\"" + id + "\",\"conversationId\":" + conversation
                    + ",\"clientMsgId\":\"" + id + "\",\"text\":\"bench\"}";
            latencies.sent();
            sending = sending.thenCompose(ws -> ws.sendText(frame, true));
        }

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
                String code = m.find() ? m.group(1) : "unknown";
                errorCodes.computeIfAbsent(code, k -> new AtomicLong()).incrementAndGet();
                latencies.error();
                if (REF.matcher(frame).find()) {
                    refused.incrementAndGet();
                }
            }
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            latencies.error();
            errorCodes.computeIfAbsent("socket", k -> new AtomicLong()).incrementAndGet();
        }
    }
}
