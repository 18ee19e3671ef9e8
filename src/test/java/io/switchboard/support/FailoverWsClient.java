package io.switchboard.support;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A WebSocket client that behaves like a real app: when its connection closes (drain 1001, crash, slow
 * consumer…) it reconnects to the next replica and resumes from the last seq it received.
 */
public final class FailoverWsClient implements Receiver {

    private final List<URI> bases;
    private final String side;
    private final String token;
    private final long conversationId;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<Integer> closeCodes = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean closed;
    private volatile WsClient socket;

    public FailoverWsClient(List<URI> bases, String side, String token, long conversationId, long after) {
        this.bases = List.copyOf(bases);
        this.side = side;
        this.token = token;
        this.conversationId = conversationId;
        this.thread = new Thread(() -> run(after), "failover-ws-" + conversationId);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run(long after) {
        int attempt = 0;
        long cursor = after;
        while (!closed) {
            URI base = bases.get(attempt++ % bases.size());
            try {
                WsClient ws = WsClient.following(base, side, token, conversationId, cursor);
                socket = ws;
                int seen = 0;
                while (!closed && ws.closeCode() == null && ws.isOpen()) {
                    List<Received> now = ws.received();
                    for (int i = seen; i < now.size(); i++) {
                        received.add(now.get(i));
                    }
                    seen = now.size();
                    StreamReceiver.sleep(20);
                }
                List<Received> now = ws.received();
                for (int i = seen; i < now.size(); i++) {
                    received.add(now.get(i));
                }
                if (ws.closeCode() != null) {
                    closeCodes.add(ws.closeCode());
                }
                ws.close();
            } catch (RuntimeException e) {
                StreamReceiver.sleep(100);
            }
            cursor = cursor();
        }
    }

    /** Close codes seen on the way (1001 when a replica drained). */
    public List<Integer> closeCodes() {
        return List.copyOf(closeCodes);
    }

    @Override
    public String transport() {
        return "websocket";
    }

    @Override
    public List<Received> received() {
        return List.copyOf(received);
    }

    @Override
    public void close() {
        closed = true;
        WsClient ws = socket;
        if (ws != null) {
            ws.close();
        }
    }
}
