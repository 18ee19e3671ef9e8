package io.switchboard.live.transport;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.live.Frame;
import io.switchboard.live.FrameWriter;
import io.switchboard.live.GatedSink;
import io.switchboard.live.LiveConnection;
import io.vertx.core.Vertx;

/**
 * A WebSocket as a {@link Sink}, with its budget: bytes handed to the network but not yet written are
 * counted, and a client that lets {@code max-pending-bytes} pile up, or stalls a replay for 10 s, is dropped
 * (4000) and resumes from its cursor. A replay is written only while less than half of that is pending. A
 * client that sends nothing for {@code idle-timeout} is closed (4001).
 */
final class SocketSink extends GatedSink {

    private static final Logger LOG = Logger.getLogger(SocketSink.class);

    private final WebSocketConnection connection;
    private final String identity;
    private final FrameWriter frames;
    private final SwitchboardConfig.Limits limits;
    private final Vertx vertx;
    private final AtomicLong pending = new AtomicLong();
    private final AtomicBoolean dropped = new AtomicBoolean();
    private final AtomicInteger violations = new AtomicInteger();
    private volatile long lastFrameAt = System.nanoTime();
    private volatile Runnable endSession = () -> {
    };
    private volatile long timer = -1;

    SocketSink(WebSocketConnection connection, String identity, FrameWriter frames, SwitchboardConfig.Limits limits,
            Vertx vertx) {
        this.connection = connection;
        this.identity = identity;
        this.frames = frames;
        this.limits = limits;
        this.vertx = vertx;
    }

    /** Starts the idle and stall checks; {@code endSession} ends the client's session when it is dropped. */
    void watch(Runnable endSession) {
        this.endSession = endSession;
        long idle = limits.idleTimeout().toMillis();
        Duration stall = limits.replayStallTimeout();
        timer = vertx.setPeriodic(Math.max(500, Math.min(idle / 4, stall.toMillis() / 2)), t -> {
            if (System.nanoTime() - lastFrameAt > idle * 1_000_000L) {
                close(LiveConnection.IDLE, "idle: send a ping at least every " + limits.idleTimeout().toSeconds() + " s");
            } else if (gate.stalledLongerThan(stall)) {
                drop("stopped reading during a replay");
            }
        });
    }

    /** The client sent something. */
    void active() {
        lastFrameAt = System.nanoTime();
    }

    /** A frame was refused for its rate: after {@code violations-before-close} of them the socket closes (1008). */
    void violation() {
        int count = violations.incrementAndGet();
        if (count >= limits.violationsBeforeClose()) {
            if (count == limits.violationsBeforeClose()) { // once: frames already on their way count on
                LOG.warnf("closing abusive websocket identity=%s", identity);
            }
            close(LiveConnection.POLICY_VIOLATION, "rate limit exceeded repeatedly");
        }
    }

    /** The client sends faster than its frames can be handled: its inbound budget is spent. */
    void flooded() {
        end(LiveConnection.POLICY_VIOLATION, "too many unprocessed frames: wait for answers before sending more",
                "flooding");
    }

    void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    @Override
    protected boolean hasRoom() {
        return pending.get() < limits.maxPendingBytes() / 2;
    }

    @Override
    public void send(Frame frame) {
        if (!connection.isOpen() || dropped.get()) {
            return;
        }
        String text = frames.write(frame);
        long size = text.length();
        if (pending.addAndGet(size) > limits.maxPendingBytes()) {
            pending.addAndGet(-size);
            drop("pending=" + pending.get() + " bytes");
            return;
        }
        connection.sendText(text).subscribe().with(ok -> written(size), failure -> written(size));
    }

    private void written(long size) {
        pending.addAndGet(-size);
        gate.progress();
    }

    /**
     * A slow consumer, whichever way it was found: its session ends at once (nothing more is produced for it,
     * it no longer counts against its limits), and the 4000 close frame is queued behind what it has not read
     * yet, so a client that reads again finds it there. One that never reads is torn down by
     * {@code security.StalledWrites}.
     */
    private void drop(String why) {
        end(LiveConnection.SLOW_CONSUMER, "too slow: reconnect and resume from your cursor", "slow consumer, " + why);
    }

    /** Once: the session ends at once, then the close frame is queued behind what the client has not read. */
    private void end(int code, String reason, String why) {
        if (dropped.compareAndSet(false, true)) {
            LOG.warnf("closing websocket identity=%s (%s)", identity, why);
            endSession.run();
            close(code, reason);
        }
    }

    @Override
    public void close(int code, String reason) {
        close(connection, code, reason);
    }

    static void close(WebSocketConnection connection, int code, String reason) {
        if (connection.isOpen()) {
            connection.close(new CloseReason(code, reason)).subscribe().with(ok -> {
            }, failure -> LOG.debugf("websocket close failed: %s", failure.getMessage()));
        }
    }
}
