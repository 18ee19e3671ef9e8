package io.switchboard.bench;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.listFeeder;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.core.CoreDsl.substring;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.sse;
import static io.gatling.javaapi.http.HttpDsl.status;
import static io.gatling.javaapi.http.HttpDsl.ws;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.gatling.http.action.sse.SseInboundMessage;
import io.gatling.http.action.ws.WsInboundMessage;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;

/**
 * Chat at a fixed rate: {@code bench.conversations} conversations, each with a visitor and an agent who both
 * send; {@code bench.rate} messages per second in all, for {@code bench.duration} seconds, over
 * {@code bench.transport}:
 * <ul>
 * <li>{@code websocket}: each party sends frames and receives on the same socket;</li>
 * <li>{@code sse}, {@code longpoll}, {@code poll} (1 s): each party sends over REST and receives on the
 * transport, in two virtual users.</li>
 * </ul>
 * Every receiver records send → received latency for its own messages and the other party's; "persisted" is
 * send → ack (WebSocket) or send → REST answer. Results go to {@code bench.out} as JSON.
 */
public class ChatSimulation extends Simulation {

    private static final Pattern SEQ = Pattern.compile("\"seq\"\\s*:\\s*(\\d+)");

    private final String base = Fixture.setting("base", "http://127.0.0.1:8080");
    private final String transport = Fixture.setting("transport", "websocket");
    private final int conversations = Fixture.setting("conversations", 50);
    private final int rate = Fixture.setting("rate", 100);
    private final int seconds = Fixture.setting("duration", 30);
    /** Agents follow every conversation's activity (the console's feed) unless bench.feed=off. */
    private final boolean feed = !Fixture.setting("feed", "on").equals("off");
    private final Latencies latencies = new Latencies();
    private final List<Map<String, Object>> parties;
    private final Duration pace;

    public ChatSimulation() {
        Fixture fixture = new Fixture(base);
        parties = fixture.parties(conversations, fixture.agentToken());
        pace = Duration.ofMillis(Math.max(1, Math.round(1000.0 * parties.size() / rate)));

        HttpProtocolBuilder protocol = http.baseUrl(base).wsBaseUrl(base.replaceFirst("^http", "ws"))
                .acceptHeader("application/json").contentTypeHeader("application/json")
                .wsUnmatchedInboundMessageBufferSize(100_000).sseUnmatchedInboundMessageBufferSize(100_000);
        List<PopulationBuilder> populations = new ArrayList<>();
        if (transport.equals("websocket")) {
            populations.add(webSocketParties().injectOpen(atOnceUsers(parties.size())));
        } else {
            populations.add(restSenders().injectOpen(atOnceUsers(parties.size())));
            populations.add(receivers().injectOpen(atOnceUsers(parties.size())));
        }
        setUp(populations).protocols(protocol);
    }

    private Session next(Session s) {
        int n = s.contains("n") ? s.getInt("n") : 0;
        return s.set("n", n + 1).set("cmid", Latencies.id(s.getString("role"), s.getLong("conv"), n))
                .set("t0", System.currentTimeMillis());
    }

    private static String receiver(Session s) {
        return s.getString("role") + s.getLong("conv");
    }

    // ---- WebSocket: one socket per party, full duplex ----------------------------------------------------
    private ScenarioBuilder webSocketParties() {
        ChainBuilder drain = exec(ws.processUnmatchedMessages((messages, s) -> {
            if (Boolean.getBoolean("bench.debug")) {
                System.out.println("DBG " + s.getString("role") + " " + messages.size());
            }
            for (WsInboundMessage m : messages) {
                if (m instanceof WsInboundMessage.Text text) {
                    String frame = text.message();
                    if (frame.startsWith("{\"type\":\"message\"")) {
                        latencies.received(frame, m.timestamp(), s.getString("role"), receiver(s));
                    } else if (frame.startsWith("{\"type\":\"ack\"")) {
                        persisted(frame, m.timestamp());
                    } else if (frame.startsWith("{\"type\":\"error\"")) {
                        latencies.error();
                    }
                }
            }
            return s;
        }));
        return scenario("chat over websocket").feed(listFeeder(parties).queue())
                .exec(ws("connect").connect("/ws/#{role}?access_token=#{token}" + (feed ? "" : "&feed=off"))
                        .await(Duration.ofSeconds(10))
                        .on(ws.checkTextMessage("hello").matching(substring("\"hello\""))))
                .exec(ws("resume").sendText("{\"type\":\"resume\",\"conversationId\":#{conv},\"after\":0}")
                        .await(Duration.ofSeconds(10)).on(ws.checkTextMessage("subscribed").matching(substring("\"subscribed\""))))
                // Gatling clears the unmatched-message buffer when a frame is sent: read it first.
                .during(Duration.ofSeconds(seconds)).on(pace(pace)
                        .exec(drain)
                        .exec(this::next)
                        .exec(ws("send").sendText(
                                "{\"type\":\"send\",\"ref\":\"#{cmid}\",\"conversationId\":#{conv},\"clientMsgId\":\"#{cmid}\",\"text\":\"bench\"}"))
                        .exec(s -> {
                            latencies.sent();
                            return s;
                        }))
                .repeat(6).on(pause(Duration.ofMillis(500)).exec(drain))
                .exec(ws("close").close());
    }

    private void persisted(String frame, long at) {
        Matcher m = Pattern.compile("b[va]-(\\d{13})-").matcher(frame);
        if (m.find()) {
            latencies.record("persisted", at - Long.parseLong(m.group(1)));
        }
    }

    private io.gatling.javaapi.core.ChainBuilder pace(Duration interval) {
        return exec(io.gatling.javaapi.core.CoreDsl.pace(interval));
    }

    // ---- HTTP transports: a REST sender and a receiver per party ------------------------------------------
    private ScenarioBuilder restSenders() {
        return scenario("send over REST (" + transport + ")").feed(listFeeder(parties).queue())
                .during(Duration.ofSeconds(seconds)).on(pace(pace)
                        .exec(this::next)
                        .exec(http("send").post("/api/conversations/#{conv}/messages").header("Authorization", "Bearer #{token}")
                                .header("X-Switchboard-As", "#{role}")
                                .body(StringBody("{\"clientMsgId\":\"#{cmid}\",\"text\":\"bench\"}")).check(status().in(200, 201)))
                        .exec(s -> {
                            latencies.sent();
                            if (s.isFailed()) {
                                latencies.error();
                                return s.markAsSucceeded();
                            }
                            latencies.record("persisted", System.currentTimeMillis() - s.getLong("t0"));
                            return s;
                        }));
    }

    private ScenarioBuilder receivers() {
        Duration total = Duration.ofSeconds(seconds + 3);
        ScenarioBuilder scenario = scenario("receive over " + transport).feed(listFeeder(parties).queue());
        return switch (transport) {
            case "sse" -> scenario
                    .exec(sse("events").get("/api/conversations/#{conv}/events?after=0&as=#{role}&access_token=#{token}"))
                    .during(total).on(pause(Duration.ofMillis(200)).exec(sse.processUnmatchedMessages((messages, s) -> {
                        for (SseInboundMessage m : messages) {
                            latencies.received(m.message(), m.timestamp(), s.getString("role"), receiver(s));
                        }
                        return s;
                    })))
                    .exec(sse("close").close());
            case "longpoll", "poll" -> {
                boolean longPoll = transport.equals("longpoll");
                ChainBuilder poll = exec(http(longPoll ? "long-poll" : "poll")
                        .get("/api/conversations/#{conv}/messages?limit=200&after=#{cursor}" + (longPoll ? "&wait=5s" : ""))
                        .header("Authorization", "Bearer #{token}").header("X-Switchboard-As", "#{role}")
                        .check(status().is(200), bodyString().saveAs("batch")))
                        .exec(s -> {
                            if (s.isFailed()) {
                                latencies.error();
                                return s.markAsSucceeded();
                            }
                            String batch = s.getString("batch");
                            latencies.received(batch, System.currentTimeMillis(), s.getString("role"), receiver(s));
                            long cursor = s.getLong("cursor");
                            Matcher m = SEQ.matcher(batch);
                            while (m.find()) {
                                cursor = Math.max(cursor, Long.parseLong(m.group(1)));
                            }
                            return s.set("cursor", cursor);
                        });
                yield scenario.exec(s -> s.set("cursor", 0L))
                        .during(total).on(longPoll ? poll : pace(Duration.ofSeconds(1)).exec(poll));
            }
            default -> throw new IllegalArgumentException("bench.transport: websocket, sse, longpoll or poll");
        };
    }

    @Override
    public void after() {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("scenario", "chat");
        parameters.put("transport", transport);
        parameters.put("conversations", conversations);
        parameters.put("rateTarget", rate);
        parameters.put("durationSeconds", seconds);
        parameters.put("agentFeed", feed ? "on" : "off");
        parameters.put("expected", latencies.sentCount() * 2);
        latencies.write(Path.of(Fixture.setting("out", "results/raw/chat-" + transport + ".json")), parameters);
    }
}
