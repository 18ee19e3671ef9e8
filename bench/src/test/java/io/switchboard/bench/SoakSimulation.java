package io.switchboard.bench;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.listFeeder;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.repeat;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.core.CoreDsl.substring;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.sse;
import static io.gatling.javaapi.http.HttpDsl.status;
import static io.gatling.javaapi.http.HttpDsl.ws;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;

/**
 * Drill 4 of issue #6, the soak: {@code bench.minutes} of steady traffic over WebSocket, SSE and long-poll
 * with connection churn (a new client every 0.5 s, each for a 30 s session, resuming its conversation from
 * the latest seq; ~60 open at a time), while the
 * server's heap after a full GC, live threads and open file descriptors are sampled every minute. A leak
 * shows as a trend in those samples; the result goes to {@code bench.out}.
 */
public class SoakSimulation extends Simulation {

    private final String base = Fixture.setting("base", "http://127.0.0.1:8080");
    /** Health and metrics: the management port. */
    private final String management = Fixture.setting("management", "http://127.0.0.1:9000");
    private final int minutes = Fixture.setting("minutes", 10);
    private final int conversations = Fixture.setting("conversations", 30);
    private final String pid = Fixture.setting("server-pid", "");
    private final ServerProbe server = new ServerProbe(pid);
    private final List<Map<String, Long>> samples = new ArrayList<>();
    private final Latencies latencies = new Latencies();

    public SoakSimulation() {
        Fixture fixture = new Fixture(base);
        List<Map<String, Object>> parties = fixture.parties(conversations, fixture.agentToken());
        Duration total = Duration.ofMinutes(minutes);

        // Each party: a 30 s session on a transport chosen by its place in the list, sending every 2 s over
        // REST (SSE, long-poll) or the socket (WebSocket), then it disconnects and comes back.
        ChainBuilder restSend = exec(s -> s.set("cmid", Latencies.id(s.getString("role"), s.getLong("conv"), s.userId())
                + "-" + System.nanoTime()))
                .exec(http("send").post("/api/conversations/#{conv}/messages").header("Authorization", "Bearer #{token}")
                        .header("X-Switchboard-As", "#{role}").header("Content-Type", "application/json")
                        .body(StringBody("{\"clientMsgId\":\"#{cmid}\",\"text\":\"soak\"}")).check(status().in(200, 201)))
                .exec(s -> {
                    latencies.sent();
                    return s;
                });
        ChainBuilder webSocketSession = exec(ws("connect").connect("/ws/#{role}?access_token=#{token}").await(Duration.ofSeconds(10))
                .on(ws.checkTextMessage("hello").matching(substring("\"hello\""))))
                .exec(ws("resume").sendText("{\"type\":\"resume\",\"conversationId\":#{conv},\"after\":#{cursor}}"))
                .repeat(15).on(exec(pause(Duration.ofSeconds(2)))
                        .exec(s -> s.set("cmid", Latencies.id(s.getString("role"), s.getLong("conv"), s.userId()) + "-" + System.nanoTime()))
                        .exec(ws("send").sendText("{\"type\":\"send\",\"conversationId\":#{conv},\"clientMsgId\":\"#{cmid}\",\"text\":\"soak\"}"))
                        .exec(s -> {
                            latencies.sent();
                            return s;
                        }))
                .exec(ws("close").close());
        ChainBuilder sseSession = exec(sse("events").get("/api/conversations/#{conv}/events?after=#{cursor}&as=#{role}&access_token=#{token}"))
                .repeat(15).on(exec(pause(Duration.ofSeconds(2))).exec(restSend))
                .exec(sse("close").close());
        ChainBuilder longPollSession = repeat(15).on(
                exec(http("long-poll").get("/api/conversations/#{conv}/messages?limit=200&wait=1s&after=#{cursor}")
                        .header("Authorization", "Bearer #{token}").header("X-Switchboard-As", "#{role}")
                        .check(status().is(200), io.gatling.javaapi.core.CoreDsl.bodyString().saveAs("batch")))
                        .exec(s -> {
                            Matcher m = Pattern.compile("\"seq\"\\s*:\\s*(\\d+)").matcher(s.getString("batch"));
                            long cursor = s.getLong("cursor");
                            while (m.find()) {
                                cursor = Math.max(cursor, Long.parseLong(m.group(1)));
                            }
                            return s.set("cursor", cursor);
                        })
                        .exec(restSend).exec(pause(Duration.ofSeconds(1))));

        // Churn: a new client every half second, each for one 30 s session on one of the three transports,
        // resuming its party's conversation from the latest seq; about 60 sessions are open at any time.
        // (Each session is its own virtual user, so its connections end with it.)
        ScenarioBuilder churn = scenario("soak: churning clients").feed(listFeeder(parties).circular())
                .exec(http("latest").get("/api/conversations/#{conv}").header("Authorization", "Bearer #{token}")
                        .header("X-Switchboard-As", "#{role}")
                        .check(status().is(200), io.gatling.javaapi.core.CoreDsl.jsonPath("$.lastSeq").ofLong().saveAs("cursor")))
                .doSwitch(s -> (int) (s.userId() % 3)).on(
                        io.gatling.javaapi.core.CoreDsl.onCase(0).then(webSocketSession),
                        io.gatling.javaapi.core.CoreDsl.onCase(1).then(sseSession),
                        io.gatling.javaapi.core.CoreDsl.onCase(2).then(longPollSession));

        ScenarioBuilder probe = scenario("soak: sample the server")
                .repeat(minutes + 1).on(exec(s -> {
                    samples.add(sample());
                    return s;
                }).exec(pause(Duration.ofSeconds(60))));

        setUp(churn.injectOpen(io.gatling.javaapi.core.CoreDsl.constantUsersPerSec(2).during(total)),
                probe.injectOpen(atOnceUsers(1)))
                .protocols(http.baseUrl(base).wsBaseUrl(base.replaceFirst("^http", "ws")));
    }

    private Map<String, Long> sample() {
        Map<String, Long> s = new LinkedHashMap<>();
        s.put("atMs", System.currentTimeMillis());
        s.putAll(server.sample());
        if (!pid.isEmpty()) {
            s.put("connections", openConnections());
        }
        return s;
    }

    /** Live connections as the server counts them (all transports), from its metrics. */
    private long openConnections() {
        try {
            String metrics = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(management + "/q/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            long open = 0;
            for (String line : metrics.split("\n")) {
                if (line.startsWith("switchboard_connections{")) {
                    open += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return open;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public void after() {
        // After the last session ended: anything still held now (threads, descriptors, heap) leaked.
        samples.add(sample());
        StringBuilder json = new StringBuilder("{\"scenario\":\"soak\",\"minutes\":").append(minutes)
                .append(",\"conversations\":").append(conversations).append(",\"sent\":").append(latencies.sentCount())
                .append(",\"samples\":[");
        for (int i = 0; i < samples.size(); i++) {
            json.append(i == 0 ? "" : ",").append('{');
            List<String> fields = new ArrayList<>();
            samples.get(i).forEach((k, v) -> fields.add("\"" + k + "\":" + v));
            json.append(String.join(",", fields)).append('}');
        }
        json.append("]}\n");
        Path out = Path.of(Fixture.setting("out", "results/raw/soak.json"));
        try {
            Files.createDirectories(out.getParent());
            Files.writeString(out, json);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        System.out.println("bench summary " + out + ": " + json);
    }
}
