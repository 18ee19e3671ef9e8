package io.switchboard.live.transport;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * The budget every WebSocket frame pays on arrival, before the frame decoder holds it: the decoder keeps a
 * frame's bytes until the whole frame is in, and nothing after it sees a frame that never completes, or frames
 * that carry no message (pings, pongs, empty continuations). This handler sits in front of the decoder and reads
 * only the frame headers (RFC 6455 §5.2) as the bytes pass, unchanged:
 * <ul>
 * <li><b>rate</b>: every frame costs one token of the connection's bucket ({@code inbound-frames-per-second},
 * burst {@code inbound-frames-burst}); a client over it is closed, 1008;</li>
 * <li><b>bytes of unfinished frames</b>, on all connections of the instance together
 * ({@code inbound-partial-bytes-total}): a frame whose bytes would take more closes its sender, 1013, so
 * half-sent frames cannot exhaust memory however many sockets send them (a frame is at most the message limit,
 * which the decoder enforces);</li>
 * <li><b>time</b>: a frame begun and not finished within {@code partial-frame-timeout} closes its sender, 1008.</li>
 * </ul>
 * One instance per connection, used on its event loop only; the shared total is an {@link AtomicLong}.
 */
final class FrameMeter extends ChannelInboundHandlerAdapter {

    /** The limits, and the bytes of unfinished frames held on this instance. */
    record Budget(int perSecond, int burst, long partialBytesTotal, Duration partialFrameTimeout, AtomicLong held) {
    }

    private static final int POLICY_VIOLATION = 1008;
    private static final int TRY_AGAIN_LATER = 1013;

    private final Budget budget;
    private final Bucket frames;
    /** Header bytes of the current frame read so far (a header is 2 to 14 bytes). */
    private final byte[] header = new byte[14];
    private int headerRead;
    /** Header length once known (after its first two bytes); 0 while unknown. */
    private int headerLength;
    /** Payload bytes of the current frame still to come. */
    private long payloadLeft;
    /** Bytes of the current, unfinished frame counted into {@link Budget#held}. */
    private long heldHere;
    /** Frames begun so far; the timer checks that the frame it was set for is still the current one. */
    private long frameNumber;
    private long frameStartedNanos;
    private ScheduledFuture<?> timer;
    private boolean failed;

    FrameMeter(Budget budget) {
        this.budget = budget;
        this.frames = Bucket.builder().addLimit(Bandwidth.builder().capacity(budget.burst())
                .refillGreedy(budget.perSecond(), Duration.ofSeconds(1)).build()).build();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!(msg instanceof ByteBuf bytes)) {
            super.channelRead(ctx, msg);
            return;
        }
        if (failed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        Refusal refusal = meter(ctx, bytes);
        if (refusal != null) {
            ReferenceCountUtil.release(msg);
            fail(ctx, refusal.code(), refusal.reason());
            return;
        }
        super.channelRead(ctx, msg);
    }

    private record Refusal(int code, String reason) {
    }

    /** Walks the frame headers in these bytes; null when they are within budget, else why not. */
    private Refusal meter(ChannelHandlerContext ctx, ByteBuf bytes) {
        int index = bytes.readerIndex();
        int end = bytes.writerIndex();
        long unfinished = 0;
        while (index < end) {
            if (payloadLeft > 0) {
                int take = (int) Math.min(payloadLeft, end - index);
                payloadLeft -= take;
                index += take;
                unfinished += take;
                if (payloadLeft == 0) {
                    unfinished = frameDone();
                }
                continue;
            }
            if (headerRead == 0) {
                if (!frames.tryConsume(1)) {
                    return new Refusal(POLICY_VIOLATION, "too many frames");
                }
                frameNumber++;
                frameStartedNanos = System.nanoTime();
                startTimer(ctx);
            }
            header[headerRead++] = bytes.getByte(index++);
            unfinished++;
            if (headerRead == 2) {
                int length7 = header[1] & 0x7f;
                boolean masked = (header[1] & 0x80) != 0;
                headerLength = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + (masked ? 4 : 0);
            }
            if (headerRead >= 2 && headerRead == headerLength) {
                payloadLeft = payloadLength();
                headerRead = 0;
                headerLength = 0;
                if (payloadLeft == 0) {
                    unfinished = frameDone();
                }
            }
        }
        // What remains is the start of a frame that is not complete yet: it is held until its end arrives.
        if (unfinished > 0) {
            long total = budget.held().addAndGet(unfinished);
            heldHere += unfinished;
            if (total > budget.partialBytesTotal()) {
                return new Refusal(TRY_AGAIN_LATER, "unfinished frames on this instance are over their budget");
            }
        }
        return null;
    }

    /** The current frame is complete: what it held is released. Returns the count of unfinished bytes, now 0. */
    private long frameDone() {
        if (heldHere > 0) {
            budget.held().addAndGet(-heldHere);
            heldHere = 0;
        }
        return 0;
    }

    private long payloadLength() {
        int length7 = header[1] & 0x7f;
        if (length7 < 126) {
            return length7;
        }
        long length = 0;
        int bytes = length7 == 126 ? 2 : 8;
        for (int i = 0; i < bytes; i++) {
            length = length << 8 | header[2 + i] & 0xff;
        }
        return length < 0 ? Long.MAX_VALUE : length;
    }

    /** One timer at a time: when it fires, a frame still unfinished since before the timeout fails the connection. */
    private void startTimer(ChannelHandlerContext ctx) {
        if (timer != null && !timer.isDone()) {
            return;
        }
        long timeout = budget.partialFrameTimeout().toNanos();
        timer = ctx.executor().schedule(() -> check(ctx), timeout, TimeUnit.NANOSECONDS);
    }

    private void check(ChannelHandlerContext ctx) {
        timer = null;
        boolean unfinished = headerRead > 0 || payloadLeft > 0;
        if (!unfinished || failed) {
            return;
        }
        long age = System.nanoTime() - frameStartedNanos;
        long timeout = budget.partialFrameTimeout().toNanos();
        if (age >= timeout) {
            fail(ctx, POLICY_VIOLATION, "a frame was not finished in time");
        } else {
            timer = ctx.executor().schedule(() -> check(ctx), timeout - age, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        release();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void release() {
        if (heldHere > 0) {
            budget.held().addAndGet(-heldHere);
            heldHere = 0;
        }
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /**
     * Sends one Close frame with the code, written as bytes (this handler sits before the frame encoder), then
     * closes the TCP connection (RFC 6455 §7.1.7: the client learns why, and nothing it sends after is read).
     */
    private void fail(ChannelHandlerContext ctx, int code, String reason) {
        if (failed) {
            return;
        }
        failed = true;
        release();
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        int length = Math.min(text.length, 123);
        ByteBuf close = Unpooled.buffer(4 + length);
        close.writeByte(0x88).writeByte(2 + length).writeShort(code).writeBytes(text, 0, length);
        ctx.channel().config().setAutoRead(false);
        // Closed from here, towards the socket: a close from the channel's end would go through Vert.x, which
        // sends a second Close (1000) and holds the connection for its close timeout.
        ctx.writeAndFlush(close).addListener(written -> ctx.close());
    }
}
