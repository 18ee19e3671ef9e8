package io.switchboard.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.api.Author;
import io.switchboard.api.AuthorKind;
import io.switchboard.api.MessageView;

/**
 * The budget of {@link FanoutLag}'s table of noted commits (the end-to-end behaviour is {@code DeliveryLagTest},
 * against PostgreSQL and real sockets): commits whose notifications never come back — rolled back, or lost
 * with a LISTEN connection — cannot grow it past {@value FanoutLag#MAX_PENDING}, and a newer commit to a
 * conversation replaces its older note.
 */
class FanoutLagTest {

    private static EventsPublished commit(long conversationId, long seq) {
        MessageView m = new MessageView(conversationId, seq, "c-" + seq, new Author(AuthorKind.visitor, 1L, "v"), "t",
                Instant.now(), seq, false, null, List.of());
        return new EventsPublished(List.of(new Event.MessageCommitted(conversationId, seq, m)));
    }

    @Test
    void commitsWhoseNotificationsNeverComeBackCannotGrowTheTablePastItsBudget() {
        FanoutLag lag = new FanoutLag(new SimpleMeterRegistry());
        for (long conversation = 1; conversation <= 3L * FanoutLag.MAX_PENDING; conversation++) {
            lag.published(commit(conversation, 1));
            assertTrue(lag.noted() <= FanoutLag.MAX_PENDING, "noted " + lag.noted() + " after conversation " + conversation);
        }
    }

    @Test
    void aNewerCommitReplacesTheOlderNoteAndTheHandledOneGivesTheSample() {
        FanoutLag lag = new FanoutLag(new SimpleMeterRegistry());
        lag.published(commit(7, 1));
        lag.published(commit(7, 2));
        assertEquals(1, lag.noted(), "one note per conversation");
        lag.handled(7, 1);
        assertEquals(1, lag.noted(), "the replaced commit's notification is not a sample");
        assertFalse(lag.over(Duration.ofNanos(1)), "no sample yet");
        lag.handled(7, 2);
        assertEquals(0, lag.noted());
        assertTrue(lag.over(Duration.ofNanos(1)), "the sample of the handled commit counts");
        assertFalse(lag.over(Duration.ofHours(1)));
    }
}
