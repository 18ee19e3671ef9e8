package io.switchboard.support;

import java.util.List;

/** Opens a receiver on any of the five transports, by name. */
public final class Transports {

    public static final List<String> ALL = List.of("websocket", "sse", "longpoll", "iframe", "poll");

    private Transports() {
    }

    public static Receiver open(String transport, Api api, String token, String side, long conversationId, long after) {
        return switch (transport) {
            case "websocket" -> WsClient.following(api.base(), side, token, conversationId, after);
            case "sse" -> SseClient.following(api.base(), token, conversationId, after);
            case "longpoll" -> PollingClient.longPoll(api, token, conversationId, after, "10s");
            case "iframe" -> IframeClient.following(api.base(), token, conversationId, after);
            case "poll" -> PollingClient.shortPoll(api, token, conversationId, after);
            default -> throw new IllegalArgumentException(transport);
        };
    }
}
