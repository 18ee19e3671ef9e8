package io.switchboard.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.conversation.ConversationStatus;
import io.switchboard.conversation.ConversationView;

/**
 * The frames a subscription holds back until its state snapshot is out are bounded: a conversation changing
 * faster than the snapshot is read keeps only the newest {@link Subscription#MAX_HELD} (each is a whole
 * state, so the newest ones are all that matter), and a snapshot that cannot be read releases them.
 * No store is involved: nothing here reads messages.
 */
class SubscriptionStateTest {

    private final List<Frame> sent = new ArrayList<>();
    private final Sink sink = new Sink() {
        @Override
        public void send(Frame frame) {
            sent.add(frame);
        }

        @Override
        public void close(int code, String reason) {
        }
    };

    private Subscription subscription() {
        return new Subscription(7, 0, true, sink, null, 50, new SimpleMeterRegistry().timer("latency"), s -> { });
    }

    private static Frame.Conversation change(long n) {
        return new Frame.Conversation(new ConversationView(7, new ConversationView.Party(1, "visitor"),
                ConversationStatus.open, null, n, Instant.EPOCH, Instant.EPOCH, Instant.EPOCH));
    }

    @Test
    void moreChangesThanTheBoundBeforeTheSnapshotKeepOnlyTheNewest() {
        Subscription subscription = subscription();
        LongStream.rangeClosed(1, 3L * Subscription.MAX_HELD).forEach(n -> subscription.push(change(n)));
        assertEquals(0, sent.size(), "held until the snapshot");
        subscription.state(new Frame.State(7, change(0).conversation(), List.of()));
        assertEquals(1 + Subscription.MAX_HELD, sent.size());
        assertInstanceOf(Frame.State.class, sent.get(0));
        assertEquals(LongStream.rangeClosed(2L * Subscription.MAX_HELD + 1, 3L * Subscription.MAX_HELD).boxed().toList(),
                sent.subList(1, sent.size()).stream().map(f -> ((Frame.Conversation) f).conversation().lastSeq()).toList());
        subscription.push(change(1000));
        assertEquals(2 + Subscription.MAX_HELD, sent.size(), "after the snapshot, changes pass at once");
    }

    @Test
    void aSnapshotThatCannotBeReadReleasesWhatWaited() {
        Subscription subscription = subscription();
        subscription.push(change(1));
        subscription.push(change(2));
        subscription.stateUnavailable();
        assertEquals(2, sent.size());
        subscription.state(new Frame.State(7, change(0).conversation(), List.of()));
        assertEquals(2, sent.size(), "a late snapshot is not sent after newer changes");
    }
}
