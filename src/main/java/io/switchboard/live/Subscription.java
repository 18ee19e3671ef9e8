package io.switchboard.live;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.jboss.logging.Logger;

import io.switchboard.conversation.ConversationView;
import io.switchboard.message.MessageView;

/**
 * One listener following one conversation from a cursor. It delivers each seq exactly once and in order:
 * the store is the truth, live events are only hints. On subscribe, and whenever a live event is not the
 * very next seq (a gap: a lost NOTIFY, a reconnect of the LISTEN connection, out-of-order fetches), it reads
 * the store from its cursor until it has caught up. That is what makes the replay/live seam gap- and
 * duplicate-free.
 */
public final class Subscription {

    private static final Logger LOG = Logger.getLogger(Subscription.class);

    private final LiveHub hub;
    private final long conversationId;
    private final Transport transport;
    private final Sink sink;

    private long lastSeq;
    private long wantedUpTo;
    private boolean fetching;
    private boolean replayed;
    private boolean closed;

    Subscription(LiveHub hub, long conversationId, long after, Transport transport, Sink sink) {
        this.hub = hub;
        this.conversationId = conversationId;
        this.transport = transport;
        this.sink = sink;
        this.lastSeq = after;
        this.wantedUpTo = after;
    }

    public long conversationId() {
        return conversationId;
    }

    public Transport transport() {
        return transport;
    }

    /** The seq of the last message delivered: where a reconnect should resume. */
    public synchronized long cursor() {
        return lastSeq;
    }

    /** A committed message, fetched once by the hub for every local subscription. */
    synchronized void offer(MessageView message) {
        if (closed || message.seq() <= lastSeq) {
            return;
        }
        if (!fetching && message.seq() == lastSeq + 1) {
            deliver(message);
        } else {
            wantedUpTo = Math.max(wantedUpTo, message.seq());
            catchUp();
        }
    }

    /** Something up to {@code seq} was committed, or may have been: read the store. */
    synchronized void hint(long seq) {
        if (closed) {
            return;
        }
        wantedUpTo = Math.max(wantedUpTo, seq);
        catchUp();
    }

    synchronized void conversation(ConversationView view) {
        if (!closed) {
            sink.conversation(view);
        }
    }

    synchronized void typing(Typing typing) {
        if (!closed) {
            sink.typing(typing);
        }
    }

    synchronized void viewing(Typing viewing) {
        if (!closed) {
            sink.viewing(viewing);
        }
    }

    synchronized void read(io.switchboard.conversation.ReadReceipt receipt) {
        if (!closed) {
            sink.read(receipt);
        }
    }

    synchronized void catchUp() {
        if (closed || fetching) {
            return;
        }
        fetching = true;
        long from = lastSeq;
        int page = hub.pageSize();
        hub.reader().after(conversationId, from, page).subscribe().with(messages -> fetched(messages, page), this::failed);
    }

    private synchronized void fetched(List<MessageView> messages, int page) {
        fetching = false;
        if (closed) {
            return;
        }
        for (MessageView m : messages) {
            if (m.seq() > lastSeq) {
                deliver(m);
            }
        }
        boolean more = messages.size() == page || lastSeq < wantedUpTo;
        if (!more) {
            replayed = true;
        }
        if (more) {
            catchUp();
        }
    }

    private synchronized void failed(Throwable failure) {
        fetching = false;
        if (closed) {
            return;
        }
        LOG.warnf("reading conversation %d after seq %d failed (%s); retrying", conversationId, lastSeq,
                failure.getClass().getSimpleName());
        hub.retryLater(this);
    }

    private void deliver(MessageView message) {
        lastSeq = message.seq();
        if (replayed) {
            hub.recordLatency(transport, Duration.between(message.sentAt(), Instant.now()));
        }
        try {
            sink.message(message);
        } catch (RuntimeException e) {
            LOG.warnf("%s sink for conversation %d failed: %s", transport, conversationId, e.getClass().getSimpleName());
        }
    }

    /** Stops deliveries and leaves the hub. Idempotent. */
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        hub.remove(this);
    }
}
