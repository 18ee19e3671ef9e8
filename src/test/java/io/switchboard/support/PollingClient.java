package io.switchboard.support;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Long-poll ({@code wait} set) or short poll (every 100 ms) from a cursor, as a browser fallback does:
 * each answer's last seq becomes the next request's {@code after}.
 */
public final class PollingClient implements Receiver {

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<Api> apis;
    private volatile int current;
    private final String token;
    private final long conversationId;
    private final String wait;
    private final Thread thread;
    private volatile boolean closed;
    private volatile int requests;

    private PollingClient(List<Api> apis, String token, long conversationId, long after, String wait) {
        this.apis = List.copyOf(apis);
        this.token = token;
        this.conversationId = conversationId;
        this.wait = wait;
        this.thread = new Thread(() -> run(after), "poll-" + conversationId);
        this.thread.setDaemon(true);
        this.thread.start();
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

    private void run(long after) {
        long cursor = after;
        while (!closed) {
            try {
                String path = "/api/conversations/" + conversationId + "/messages?limit=200&after=" + cursor
                        + (wait == null ? "" : "&wait=" + wait);
                HttpResponse<String> response = apis.get(current % apis.size()).get(token, path);
                requests++;
                if (response.statusCode() == 200) {
                    for (JsonNode m : Json.parse(response.body())) {
                        received.add(Received.of(m));
                        cursor = m.get("seq").asLong();
                    }
                } else {
                    current++;
                    StreamReceiver.sleep(200);
                }
            } catch (RuntimeException e) {
                current++;
                StreamReceiver.sleep(200);
            }
            if (wait == null) {
                StreamReceiver.sleep(100);
            }
        }
    }

    public int requests() {
        return requests;
    }

    @Override
    public String transport() {
        return wait == null ? "poll" : "longpoll";
    }

    @Override
    public List<Received> received() {
        return List.copyOf(received);
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
