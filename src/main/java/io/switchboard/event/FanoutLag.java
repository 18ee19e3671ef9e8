package io.switchboard.event;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.api.MessageView;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * How far this replica's fan-out runs behind, measured on its own commits: when a transaction publishes
 * messages, the last of them is noted (inside the transaction, so before its notification can arrive), and
 * when the live layer handles that message's notification the time between is a sample. Other replicas'
 * clocks never enter it. The write path refuses sends while the latest sample, if recent, is over its budget,
 * so an instance whose deliveries fall behind sheds load at the door instead of queueing it in delivery.
 * <p>
 * Budget: one noted commit per conversation (a newer one replaces it), at most {@value #MAX_PENDING}; a full
 * table is cleared (a rolled-back transaction's note never comes back, nor does a lost notification's). A
 * sample counts for {@value #SAMPLE_MILLIS} ms: while sends are refused no new sample comes, and the refusals
 * end.
 */
@ApplicationScoped
public class FanoutLag {

    static final int MAX_PENDING = 10_000;
    static final long SAMPLE_MILLIS = 250;
    private static final long SAMPLE_NANOS = TimeUnit.MILLISECONDS.toNanos(SAMPLE_MILLIS);

    /** A commit of this replica whose notification has not been handled yet: its last message, and when. */
    private record Noted(long seq, long at) {
    }

    private final Map<Long, Noted> noted = new ConcurrentHashMap<>();
    private volatile long lagNanos;
    private volatile long sampledAt = System.nanoTime() - 2 * SAMPLE_NANOS;

    @Inject
    FanoutLag(MeterRegistry meters) {
        Gauge.builder("switchboard.fanout.lag", this, lag -> lag.nanos() / 1e9).baseUnit("seconds")
                .description("Time from one of this replica's commits to the handling of its notification (latest sample)")
                .register(meters);
    }

    void published(@Observes EventsPublished published) {
        MessageView last = null;
        for (Event event : published.events()) {
            if (event instanceof Event.MessageCommitted committed && committed.message() != null) {
                last = committed.message();
            }
        }
        if (last == null) {
            return;
        }
        if (noted.size() >= MAX_PENDING) {
            noted.clear();
        }
        noted.put(last.conversationId(), new Noted(last.seq(), System.nanoTime()));
    }

    /** The live layer handled the notification of message {@code seq} of conversation {@code conversationId}. */
    public void handled(long conversationId, long seq) {
        Noted mine = noted.get(conversationId);
        if (mine == null || mine.seq() != seq) {
            return;
        }
        long now = System.nanoTime();
        noted.remove(conversationId, mine);
        lagNanos = now - mine.at();
        sampledAt = now;
    }

    /** True while the latest sample is recent and longer than {@code budget}. */
    public boolean over(Duration budget) {
        return nanos() > budget.toNanos();
    }

    private long nanos() {
        return System.nanoTime() - sampledAt < SAMPLE_NANOS ? lagNanos : 0;
    }

    int noted() {
        return noted.size();
    }
}
