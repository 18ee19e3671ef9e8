package io.switchboard.live;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.subscription.Cancellable;
import io.switchboard.api.MessageView;
import io.switchboard.message.MessageReader;

/**
 * One listener following one conversation from a cursor. It delivers each seq exactly once and in order:
 * the store is the truth, live events are only hints. On subscribe, and whenever a live event is not the
 * very next seq (a gap: a lost NOTIFY, a reconnect of the LISTEN connection, out-of-order fetches), it reads
 * the store from its cursor until it has caught up. That is what makes the replay/live seam gap- and
 * duplicate-free.
 */
public final class Subscription {

    private static final Logger LOG = Logger.getLogger(Subscription.class);

    private final long conversationId;
    /** An agent's: private notes too. A visitor's reads and takes only what visitors may see. */
    private final boolean seesNotes;
    private final Sink sink;
    private final MessageReader reader;
    private final int pageSize;
    private final Timer latency;
    private final Consumer<Subscription> onClose;

    private long lastSeq;
    private long wantedUpTo;
    /** {@link #wantedUpTo} when the running fetch began: a fetch that ends short covers everything up to it. */
    private long wantedAtFetch;
    private boolean fetching;
    private Cancellable fetch;
    /** A fetched page not yet handed to the sink (it waits for the sink to be ready). */
    private final ArrayDeque<MessageView> page = new ArrayDeque<>();
    private boolean pageWasFull;
    private boolean waitingForSink;
    private boolean replayed;
    private boolean closed;
    /**
     * Until the state snapshot is out, live {@code conversation} and {@code read} frames wait here, so none
     * older than the snapshot can follow it (NOTIFY delivers them in commit order: replaying them after the
     * snapshot ends at the newest state). Bounded: only the newest {@link #MAX_HELD} are kept, which is
     * enough because each carries a whole state, not a difference.
     */
    private final ArrayDeque<Frame> heldState = new ArrayDeque<>();
    private boolean stateSent;
    static final int MAX_HELD = 32;

    Subscription(long conversationId, long after, boolean seesNotes, Sink sink, MessageReader reader, int pageSize,
            Timer latency, Consumer<Subscription> onClose) {
        this.conversationId = conversationId;
        this.seesNotes = seesNotes;
        this.sink = sink;
        this.reader = reader;
        this.pageSize = pageSize;
        this.latency = latency;
        this.onClose = onClose;
        this.lastSeq = after;
        this.wantedUpTo = after;
    }

    public long conversationId() {
        return conversationId;
    }

    /** An agent's subscription (private notes, read cursors as they are); a visitor's is not. */
    public boolean seesNotes() {
        return seesNotes;
    }

    /** A committed message, fetched once by the hub for every local subscription. */
    synchronized void offer(MessageView message) {
        if (closed || message.seq() <= lastSeq || message.internal() && !seesNotes) {
            return;
        }
        if (!fetching && page.isEmpty() && message.follows(lastSeq, seesNotes)) {
            deliver(message);
        } else {
            hint(message.seq());
        }
    }

    /** Something up to {@code seq} was committed, or may have been: read the store. */
    synchronized void hint(long seq) {
        wantedUpTo = Math.max(wantedUpTo, seq);
        catchUp();
    }

    /** An ephemeral frame (typing, viewing, read, conversation): passed on at once, never replayed. */
    synchronized void push(Frame frame) {
        if (closed) {
            return;
        }
        if (!stateSent && (frame instanceof Frame.Conversation || frame instanceof Frame.Read)) {
            if (heldState.size() == MAX_HELD) {
                heldState.poll();
            }
            heldState.add(frame);
            return;
        }
        sink.send(frame);
    }

    /** The conversation's state as read after this subscription was registered; then what waited for it. */
    synchronized void state(Frame.State state) {
        if (closed || stateSent) {
            return;
        }
        sink.send(state);
        releaseHeld();
    }

    /** The snapshot could not be read: live changes go through from now on rather than wait for ever. */
    synchronized void stateUnavailable() {
        if (!closed && !stateSent) {
            releaseHeld();
        }
    }

    private void releaseHeld() {
        stateSent = true;
        while (!heldState.isEmpty()) {
            sink.send(heldState.poll());
        }
    }

    synchronized void catchUp() {
        if (closed || fetching || !page.isEmpty() || waitingForSink) {
            return; // the page in hand is delivered first; its end fetches the next
        }
        fetching = true;
        wantedAtFetch = wantedUpTo;
        fetch = reader.after(conversationId, lastSeq, pageSize, seesNotes)
                .onFailure().invoke(failure -> LOG.warnf("reading conversation %d after seq %d failed (%s); retrying",
                        conversationId, lastSeq, failure.getClass().getSimpleName()))
                .onFailure().retry().withBackOff(Duration.ofMillis(250), Duration.ofSeconds(5)).indefinitely()
                .subscribe().with(this::fetched);
    }

    private synchronized void fetched(List<MessageView> messages) {
        fetching = false;
        if (closed) {
            return;
        }
        for (MessageView m : messages) {
            if (m.seq() > lastSeq) {
                page.add(m);
            }
        }
        pageWasFull = messages.size() == pageSize;
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
        // A short page read everything committed before it began; for a visitor the wanted seq may be a
        // note it never gets, so "caught up" is judged by what was wanted when the read began.
        if (pageWasFull || wantedUpTo > wantedAtFetch || seesNotes && lastSeq < wantedUpTo) {
            pageWasFull = false;
            catchUp();
        } else {
            replayed = true;
        }
    }

    private synchronized void sinkReady() {
        if (waitingForSink) {
            waitingForSink = false;
            drain();
        }
    }

    private void deliver(MessageView message) {
        lastSeq = message.seq();
        if (replayed) {
            latency.record(Math.max(0, Duration.between(message.sentAt(), Instant.now()).toNanos()), TimeUnit.NANOSECONDS);
        }
        try {
            sink.send(new Frame.Message(message));
        } catch (RuntimeException e) {
            LOG.warnf("sink for conversation %d failed: %s", conversationId, e.getClass().getSimpleName());
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
            heldState.clear();
            if (fetch != null) {
                fetch.cancel();
            }
        }
        onClose.accept(this);
    }
}
