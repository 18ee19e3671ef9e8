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
    /** A fetched page not yet handed to the sink (it waits for the sink to be ready). */
    private final java.util.ArrayDeque<MessageView> page = new java.util.ArrayDeque<>();
    private boolean pageWasFull;
    private boolean waitingForSink;
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
        if (!fetching && page.isEmpty() && message.seq() == lastSeq + 1) {
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
        if (closed || fetching || !page.isEmpty() || waitingForSink) {
            return; // the page in hand is delivered first; its end fetches the next
        }
        fetching = true;
        long from = lastSeq;
        int page = hub.pageSize();
        hub.reader().after(conversationId, from, page).subscribe().with(messages -> fetched(messages, page), this::failed);
    }

    private synchronized void fetched(List<MessageView> messages, int size) {
        fetching = false;
        if (closed) {
            return;
        }
        for (MessageView m : messages) {
            if (m.seq() > lastSeq) {
                page.add(m);
            }
        }
        pageWasFull = messages.size() == size;
        drain();
    }

    /** Hands the page to the sink as fast as it takes it, then reads on if there is more. */
    private synchronized void drain() {
        if (closed) {
            return;
        }
        while (!page.isEmpty()) {
            if (!sink.ready()) {
                waitingForSink = true;
                sink.whenReady(this::sinkReady);
                return;
            }
            MessageView next = page.poll();
            if (next.seq() > lastSeq) {
                deliver(next);
            }
        }
        if (pageWasFull || lastSeq < wantedUpTo) {
            pageWasFull = false;
            catchUp();
        } else {
            replayed = true;
        }
    }

    private synchronized void sinkReady() {
        if (!waitingForSink) {
            return;
        }
        waitingForSink = false;
        drain();
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
            page.clear();
        }
        hub.remove(this);
    }
}
