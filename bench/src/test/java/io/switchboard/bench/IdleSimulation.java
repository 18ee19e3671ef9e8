package io.switchboard.bench;

import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.core.CoreDsl.substring;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.ws;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.gatling.http.action.ws.WsInboundMessage;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;

/**
 * Idle capacity: {@code bench.connections} WebSockets (agents following one conversation) opened from
 * several loopback source addresses, held idle, then one broadcast that every one of them must receive.
 * The server's RSS ({@code /proc/<bench.server-pid>/status}) and heap after a full GC (jcmd) are sampled
 * before the first connection and once all are open, giving the growth per connection.
 */
public class IdleSimulation extends Simulation {

    private final String base = Fixture.setting("base", "http://127.0.0.1:8080");
    private final int connections = Fixture.setting("connections", 19_000);
    private final int rampSeconds = Fixture.setting("ramp", 60);
    private final int holdSeconds = Fixture.setting("hold", 20);
    private final String pid = Fixture.setting("server-pid", "");
    private final ServerProbe server = new ServerProbe(pid);
    private final List<String> sources = List.of(Fixture.setting("sources", "127.0.0.2,127.0.0.3,127.0.0.4").split(","));
    private final AtomicLong connected = new AtomicLong();
    private final AtomicLong broadcastReceived = new AtomicLong();
    private final Map<String, Object> figures = new LinkedHashMap<>();
    private final String token;
    private final long conversation;

    public IdleSimulation() {
        Fixture fixture = new Fixture(base);
        token = fixture.agentToken();
        conversation = (Long) fixture.parties(1, token).get(0).get("conv");
        figures.put("before", sample());

        ScenarioBuilder idle = scenario("idle websocket")
                .exec(ws("connect").connect("/ws/agent?access_token=" + token).await(Duration.ofSeconds(30))
                        .on(ws.checkTextMessage("hello").matching(substring("\"hello\""))))
                .exec(ws("resume").sendText("{\"type\":\"resume\",\"conversationId\":" + conversation + ",\"after\":0}")
                        .await(Duration.ofSeconds(30)).on(ws.checkTextMessage("subscribed").matching(substring("\"subscribed\""))))
                .exec(s -> {
                    connected.incrementAndGet();
                    return s;
                })
                // Idle: the client sends nothing (the bench raises the server's idle timeout; the server's
                // protocol pings keep the sockets warm). Gatling drops its buffer of unread frames whenever a
                // frame is sent, so the only sends are before this loop. Every 2 s the buffer is scanned.
                .asLongAsDuring(s -> !s.contains("broadcast"), Duration.ofSeconds(rampSeconds + holdSeconds + 90L)).on(
                        exec(pause(Duration.ofSeconds(2)))
                                .exec(ws.processUnmatchedMessages((messages, s) -> {
                                    boolean seen = messages.stream().anyMatch(m -> m instanceof WsInboundMessage.Text t
                                            && t.message().contains("broadcast-"));
                                    return seen ? s.set("broadcast", true) : s;
                                })))
                .doIf(s -> s.contains("broadcast")).then(exec(s -> {
                    broadcastReceived.incrementAndGet();
                    return s;
                }))
                .exec(ws("close").close());

        int settle = rampSeconds + holdSeconds;
        ScenarioBuilder probe = scenario("probe and broadcast")
                .exec(pause(Duration.ofSeconds(settle)))
                .exec(s -> {
                    figures.put("connected", connected.get());
                    figures.put("after", sample());
                    return s;
                })
                .exec(http("broadcast").post("/api/conversations/" + conversation + "/messages")
                        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                        .body(io.gatling.javaapi.core.CoreDsl.StringBody(
                                "{\"clientMsgId\":\"broadcast-" + System.nanoTime() + "\",\"text\":\"broadcast\"}")));

        setUp(idle.injectOpen(rampUsers(connections).during(Duration.ofSeconds(rampSeconds))),
                probe.injectOpen(atOnceUsers(1)))
                .protocols(http.baseUrl(base).wsBaseUrl(base.replaceFirst("^http", "ws")).localAddresses(sources)
                        .wsUnmatchedInboundMessageBufferSize(8))
                .maxDuration(Duration.ofSeconds(settle + 120L));
    }

    private Map<String, Long> sample() {
        return server.sample();
    }

    @Override
    @SuppressWarnings("unchecked")
    public void after() {
        Map<String, Long> before = (Map<String, Long>) figures.get("before");
        Map<String, Long> after = (Map<String, Long>) figures.getOrDefault("after", Map.of());
        long open = (Long) figures.getOrDefault("connected", 0L);
        StringBuilder json = new StringBuilder("{\"scenario\":\"idle\",\"target\":").append(connections)
                .append(",\"connected\":").append(open).append(",\"broadcastReceived\":").append(broadcastReceived.get());
        for (String key : List.of("rssKb", "heapUsedKb", "fds")) {
            if (before.containsKey(key) && after.containsKey(key)) {
                json.append(",\"").append(key).append("Before\":").append(before.get(key)).append(",\"").append(key)
                        .append("After\":").append(after.get(key));
            }
        }
        if (open > 0 && before.containsKey("rssKb") && after.containsKey("rssKb")) {
            json.append(",\"rssBytesPerConnection\":").append((after.get("rssKb") - before.get("rssKb")) * 1024 / open);
            json.append(",\"heapBytesPerConnection\":")
                    .append((after.getOrDefault("heapUsedKb", 0L) - before.getOrDefault("heapUsedKb", 0L)) * 1024 / open);
        }
        json.append("}\n");
        Path out = Path.of(Fixture.setting("out", "results/raw/idle.json"));
        try {
            Files.createDirectories(out.getParent());
            Files.writeString(out, json);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        System.out.println("bench summary " + out + ": " + json);
    }
}
