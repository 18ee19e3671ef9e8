package io.switchboard.live.transport;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.config.SwitchboardConfig;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * RFC 6455's "fail the WebSocket connection", which Vert.x does not do: its frame decoder is built with
 * {@code closeOnProtocolViolation(false)} and a violation drops TCP without a Close frame, and it decodes
 * invalid UTF-8 in text frames to U+FFFD instead of refusing it. This handler sits right after the frame
 * decoder of every {@code /ws/} connection and answers
 * <ul>
 * <li>a frame the decoder refuses — reserved bits without an extension, reserved opcodes, broken
 * fragmentation, invalid close codes, control frames too long or fragmented, a frame over the frame limit —
 * with a Close frame carrying the code the decoder names (1002, 1009), and</li>
 * <li>a text message that is not valid UTF-8 (overlong forms, surrogates, code points above U+10FFFF, stray
 * or truncated sequences, checked across fragments) with Close 1007 (§8.1),</li>
 * </ul>
 * then closes the connection. The frame never reaches the application.
 * <p>
 * It is also the first stage of the inbound budget: websockets-next hands every frame to the endpoint as a
 * task on the connection's event loop, and the decoder keeps reading and queuing such tasks however far the
 * loop is behind (a client sending tiny frames as fast as it can made a 256 MiB heap run out). The guard
 * counts the frames it passed on and, once {@code inbound-dispatch} of them wait for the endpoint, stops
 * reading the socket (TCP back-pressure) until half have been taken: after each read it queues a marker on
 * the same event loop, behind the endpoint's tasks for that read, which counts them as taken. What reached
 * the endpoint is bounded next by {@link Inbound}. State per connection: one decoder, at most 3
 * carried-over bytes, two counters.
 */
@ApplicationScoped
public class ProtocolViolations {

    static final String NAME = "switchboard-ws-protocol-violations";
    static final String METER = "switchboard-ws-frame-meter";

    private final int dispatchLimit;
    private final FrameMeter.Budget budget;

    @Inject
    ProtocolViolations(SwitchboardConfig config) {
        this.dispatchLimit = config.limits().inboundDispatch();
        SwitchboardConfig.Limits limits = config.limits();
        this.budget = new FrameMeter.Budget(limits.inboundFramesPerSecond(), limits.inboundFramesBurst(),
                limits.inboundPartialBytesTotal(), limits.partialFrameTimeout(), new java.util.concurrent.atomic.AtomicLong());
    }

    /** Bytes of unfinished frames held on this instance now (for tests and metrics). */
    public long unfinishedFrameBytes() {
        return budget.held().get();
    }

    void register(@Observes Router router) {
        // Before the upgrade: the handler is placed before Vert.x's own, so after the handshake it sits right
        // behind the frame decoder (which replaces the HTTP codec near the head of the pipeline).
        router.route("/ws/*").order(Integer.MIN_VALUE + 1).handler(rc -> {
            String upgrade = rc.request().getHeader(HttpHeaders.UPGRADE);
            if (upgrade != null && upgrade.equalsIgnoreCase("websocket")
                    && rc.request().connection() instanceof ConnectionBase connection) {
                ChannelPipeline pipeline = connection.channelHandlerContext().pipeline();
                if (pipeline.get(NAME) == null && pipeline.get("handler") != null) {
                    pipeline.addBefore("handler", NAME, new Guard(dispatchLimit));
                    // In front of the HTTP decoder, which the frame decoder takes the place of after the handshake:
                    // it sees every byte of every frame before anything holds them.
                    if (pipeline.get("httpDecoder") != null) {
                        pipeline.addBefore("httpDecoder", METER, new FrameMeter(budget));
                    }
                }
            }
            rc.next();
        });
    }

    /** One per connection. */
    static final class Guard extends ChannelInboundHandlerAdapter {

        private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        /** Scratch for the decoder (the characters are not kept): small, since every connection has one. */
        private final CharBuffer sink = CharBuffer.allocate(128);
        /** Bytes of a sequence cut by a fragment's end; empty is limit 0. */
        private final ByteBuffer carry = ByteBuffer.allocate(8).limit(0);
        private final int dispatchLimit;
        private boolean inText;
        private boolean failed;
        /** Frames passed on whose endpoint task has not run yet (event loop only). */
        private int dispatched;
        /** Frames passed on since the last marker was queued. */
        private int sinceMarker;
        /** Reading was stopped by this guard (Vert.x's own back-pressure uses the same switch). */
        private boolean paused;

        Guard(int dispatchLimit) {
            this.dispatchLimit = dispatchLimit;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (failed) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof WebSocketFrame) {
                dispatched++;
                sinceMarker++;
                if (dispatched >= dispatchLimit && ctx.channel().config().isAutoRead()) {
                    paused = true;
                    ctx.channel().config().setAutoRead(false);
                }
            }
            if (msg instanceof TextWebSocketFrame || msg instanceof ContinuationWebSocketFrame && inText) {
                WebSocketFrame frame = (WebSocketFrame) msg;
                if (msg instanceof TextWebSocketFrame) {
                    utf8.reset();
                    carry.clear().limit(0);
                    inText = true;
                }
                boolean last = frame.isFinalFragment();
                if (!valid(frame.content(), last)) {
                    frame.release();
                    fail(ctx, WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "invalid UTF-8 in a text message");
                    return;
                }
                if (last) {
                    inText = false;
                }
            } else if (msg instanceof BinaryWebSocketFrame) {
                inText = false; // a binary message starts: its continuations are not text
            }
            super.channelRead(ctx, msg);
        }

        /** After a read: a marker behind the endpoint's tasks for its frames counts them as taken. */
        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
            if (sinceMarker > 0) {
                int taken = sinceMarker;
                sinceMarker = 0;
                ctx.executor().execute(() -> taken(ctx, taken));
            }
            super.channelReadComplete(ctx);
        }

        private void taken(ChannelHandlerContext ctx, int frames) {
            dispatched -= frames;
            if (paused && dispatched <= dispatchLimit / 2) {
                paused = false;
                ctx.channel().config().setAutoRead(true);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
            for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof CorruptedWebSocketFrameException corrupted) {
                    fail(ctx, corrupted.closeStatus(), corrupted.getMessage());
                    return;
                }
            }
            super.exceptionCaught(ctx, cause);
        }

        private void fail(ChannelHandlerContext ctx, WebSocketCloseStatus status, String reason) {
            if (failed) {
                return;
            }
            failed = true;
            String text = reason == null || reason.length() > 120 ? status.reasonText() : reason;
            // One Close, then the TCP connection closed from here, towards the socket (RFC 6455 §7.1.7): a close
            // from the channel's end would go through Vert.x, which sends a second Close (1000) and holds the
            // connection for its 10 s close timeout, ignoring the client's answer (this handler drops it).
            ctx.writeAndFlush(new CloseWebSocketFrame(status.code(), text)).addListener(written -> ctx.close());
        }

        /** Feeds one fragment to the decoder; bytes of a sequence cut by the fragment's end wait for the next. */
        private boolean valid(ByteBuf content, boolean last) {
            ByteBuffer in = joined(content);
            CoderResult result;
            do { // the characters are not kept: the scratch buffer is reused until the input is consumed
                sink.clear();
                result = utf8.decode(in, sink, last);
            } while (result.isOverflow());
            if (result.isError()) {
                return false;
            }
            if (last) {
                sink.clear();
                return !utf8.flush(sink).isError() && !in.hasRemaining();
            }
            if (in.remaining() > 3) { // an incomplete sequence is at most 3 bytes
                return false;
            }
            carry.clear();
            carry.put(in);
            carry.flip();
            return true;
        }

        private ByteBuffer joined(ByteBuf content) {
            ByteBuffer fresh = content.nioBuffer();
            if (!carry.hasRemaining()) {
                return fresh;
            }
            ByteBuffer both = ByteBuffer.allocate(carry.remaining() + fresh.remaining());
            both.put(carry).put(fresh).flip();
            carry.clear().limit(0);
            return both;
        }
    }
}
