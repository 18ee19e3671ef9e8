package io.switchboard.support;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A WebSocket client that behaves like a real app: when its connection closes (drain 1001, crash, slow
 * consumer…) it reconnects to the next replica and resumes from the last seq it received.
 */
public final class FailoverWsClient extends LoopingReceiver {

    private final List<URI> bases;
    private final String side;
    private final String token;
    private final long conversationId;
    private final List<Integer> closeCodes = new CopyOnWriteArrayList<>();
    private volatile WsClient socket;

    public FailoverWsClient(List<URI> bases, String side, String token, long conversationId, long after) {
        super("failover-ws-" + conversationId, after);
        this.bases = List.copyOf(bases);
        this.side = side;
        this.token = token;
        this.conversationId = conversationId;
        begin();
    }

    /** One socket, followed until it closes; the next round goes to the next replica (a failed one too). */
    @Override
    protected boolean round(long cursor) {
        URI base = bases.get(replica() % bases.size());
        WsClient ws = WsClient.following(base, side, token, conversationId, cursor);
        socket = ws;
        int seen = 0;
        while (!closed() && ws.closeCode() == null && ws.isOpen()) {
            seen = copy(ws, seen);
            sleep(20);
        }
        copy(ws, seen);
        if (ws.closeCode() != null) {
            closeCodes.add(ws.closeCode());
        }
        ws.close();
        nextReplica();
        return true;
    }

    private int copy(WsClient ws, int seen) {
        List<Received> now = ws.received();
        for (int i = seen; i < now.size(); i++) {
            received.add(now.get(i));
        }
        return now.size();
    }

    @Override
    protected long pauseMillis() {
        return 0;
    }

    @Override
    protected void interruptRound() {
        WsClient ws = socket;
        if (ws != null) {
            ws.close();
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
}
