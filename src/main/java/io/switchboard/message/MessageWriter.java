package io.switchboard.message;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.RateLimitedException;
import io.switchboard.api.StoreFailures;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.event.FanoutLag;
import io.switchboard.identity.Caller;
import io.switchboard.message.MessageStore.Outcome;
import io.switchboard.message.MessageStore.Send;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Group commit. Sends from every transport wait in one bounded queue; one writer thread takes everything
 * queued (up to {@code batch-size}) and commits it as one batch, and the next batch forms while that one is
 * in flight, so a lone send waits for nobody and a busy instance pays one commit for many messages. A full
 * queue, a send that waited longer than {@code max-queue-wait}, or a send while this replica's deliveries run
 * more than {@code max-delivery-lag} behind its commits ({@link FanoutLag}) is answered {@code 503 overloaded}
 * at once: latency cannot grow without bound, and the client retries with the same {@code clientMsgId}.
 */
@ApplicationScoped
class MessageWriter {

    private static final Logger LOG = Logger.getLogger(MessageWriter.class);

    private final MessageStore store;
    private final FanoutLag lag;
    private final SwitchboardConfig.Messages config;
    private final BlockingQueue<Send> queue;
    private final Counter overloaded;
    private final DistributionSummary batches;
    private final Timer waits;
    private final Timer commits;
    private volatile Thread writer;

    @Inject
    MessageWriter(MessageStore store, FanoutLag lag, SwitchboardConfig config, MeterRegistry meters) {
        this.store = store;
        this.lag = lag;
        this.config = config.messages();
        this.queue = new ArrayBlockingQueue<>(this.config.writeQueue());
        Gauge.builder("switchboard.messages.write.queue", queue, BlockingQueue::size)
                .description("Sends waiting to be written").register(meters);
        this.overloaded = Counter.builder("switchboard.messages.overloaded")
                .description("Sends refused because the write queue was full or too slow").register(meters);
        this.batches = DistributionSummary.builder("switchboard.messages.batch.size")
                .description("Sends committed together in one transaction")
                .serviceLevelObjectives(1, 2, 5, 10, 20, 50, 100, 200, 500).register(meters);
        this.waits = Timer.builder("switchboard.messages.write.wait")
                .description("Time a send waited in the write queue before its batch began").register(meters);
        this.commits = Timer.builder("switchboard.messages.write.duration")
                .description("Time one batch took to be written and committed").register(meters);
    }

    void start(@Observes StartupEvent event) {
        Thread thread = new Thread(this::run, "message-writer");
        thread.setDaemon(true);
        writer = thread;
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) {
        Thread thread = writer;
        writer = null;
        if (thread != null) {
            thread.interrupt();
        }
        List<Send> left = new ArrayList<>();
        queue.drainTo(left);
        left.forEach(send -> send.result().completeExceptionally(StoreFailures.toApi()));
    }

    /** Queues a validated send; its future completes after its batch committed (or with the refusal). */
    CompletableFuture<SendResult> submit(Caller caller, long conversationId, String clientMsgId, String text, boolean internal,
            List<UUID> attachments) {
        Send send = new Send(caller, conversationId, clientMsgId, text, internal, attachments, System.nanoTime(),
                new CompletableFuture<>());
        if (writer == null || lag.over(config.maxDeliveryLag()) || !queue.offer(send)) {
            overloaded.increment();
            throw RateLimitedException.overloaded();
        }
        return send.result();
    }

    private void run() {
        List<Send> batch = new ArrayList<>(config.batchSize());
        while (writer == Thread.currentThread()) {
            try {
                batch.add(queue.take());
                queue.drainTo(batch, config.batchSize() - 1);
                write(dueOf(batch));
            } catch (InterruptedException e) {
                return;
            } catch (Throwable e) { // the writer must outlive any failure; its senders were answered
                LOG.errorf(e, "message writer failed");
            } finally {
                batch.clear();
            }
        }
    }

    /** Sends that waited too long are refused rather than written late. */
    private List<Send> dueOf(List<Send> batch) {
        long now = System.nanoTime();
        long oldest = now - config.maxQueueWait().toNanos();
        List<Send> due = new ArrayList<>(batch.size());
        for (Send send : batch) {
            waits.record(now - send.enqueuedAt(), TimeUnit.NANOSECONDS);
            if (send.enqueuedAt() - oldest < 0) {
                overloaded.increment();
                send.result().completeExceptionally(RateLimitedException.overloaded());
            } else {
                due.add(send);
            }
        }
        return due;
    }

    private void write(List<Send> batch) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            long start = System.nanoTime();
            List<Outcome> outcomes = store.append(batch);
            commits.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            batches.record(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                Outcome outcome = outcomes.get(i);
                if (outcome.refusal() == null) {
                    batch.get(i).result().complete(outcome.result());
                } else {
                    batch.get(i).result().completeExceptionally(outcome.refusal());
                }
            }
        } catch (RuntimeException e) {
            if (StoreFailures.unavailable(e)) {
                batch.forEach(send -> send.result().completeExceptionally(StoreFailures.toApi()));
            } else if (batch.size() > 1) {
                // One send failed the transaction (a retry of a send another replica is storing right now):
                // each alone, in order, so that it cannot fail or reorder the others.
                batch.forEach(send -> write(List.of(send)));
            } else if (!retried(batch.get(0), e)) {
                LOG.errorf(e, "a send could not be stored");
                batch.get(0).result().completeExceptionally(
                        new ApiException(ErrorCode.INTERNAL_ERROR, "the message could not be stored"));
            }
        }
    }

    /** A lone send that lost a race for its key: once more, it now finds the original. */
    private boolean retried(Send send, RuntimeException failure) {
        if (!isUniqueViolation(failure)) {
            return false;
        }
        try {
            Outcome outcome = store.append(List.of(send)).get(0);
            if (outcome.refusal() == null) {
                send.result().complete(outcome.result());
            } else {
                send.result().completeExceptionally(outcome.refusal());
            }
            return true;
        } catch (RuntimeException again) {
            return false;
        }
    }

    private static boolean isUniqueViolation(Throwable failure) {
        for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
