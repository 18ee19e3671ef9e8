package io.switchboard.support;

import java.net.http.HttpResponse;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Long-poll ({@code wait} set) or short poll (every 100 ms) from a cursor, as a browser fallback does:
 * each answer's last seq becomes the next request's {@code after}.
 */
public final class PollingClient extends LoopingReceiver {

    private final List<Api> apis;
    private final String token;
    private final long conversationId;
    private final String wait;
    private volatile int requests;

    private PollingClient(List<Api> apis, String token, long conversationId, long after, String wait) {
        super("poll-" + conversationId, after);
        this.apis = List.copyOf(apis);
        this.token = token;
        this.conversationId = conversationId;
        this.wait = wait;
        begin();
    }

    public static PollingClient longPoll(Api api, String token, long conversationId, long after, String wait) {
        return new PollingClient(List.of(api), token, conversationId, after, wait);
    }

    public static PollingClient shortPoll(Api api, String token, long conversationId, long after) {
        return new PollingClient(List.of(api), token, conversationId, after, null);
    }

    /** Polls one replica, moving to the next when a request fails or is refused (503 while draining). */
    public static PollingClient failingOver(List<Api> apis, String token, long conversationId, long after, String wait) {
        return new PollingClient(apis, token, conversationId, after, wait);
    }

    @Override
    protected boolean round(long cursor) {
        String path = "/api/conversations/" + conversationId + "/messages?limit=200&after=" + cursor
                + (wait == null ? "" : "&wait=" + wait);
        HttpResponse<String> response = apis.get(replica() % apis.size()).get(token, path);
        requests++;
        if (response.statusCode() == 200) {
            for (JsonNode m : Json.parse(response.body())) {
                received.add(Received.of(m));
            }
        } else {
            nextReplica();
            sleep(200);
        }
        return true;
    }

    @Override
    protected long pauseMillis() {
        return wait == null ? 100 : 0;
    }

    public int requests() {
        return requests;
    }

    @Override
    public String transport() {
        return wait == null ? "poll" : "longpoll";
    }
}
