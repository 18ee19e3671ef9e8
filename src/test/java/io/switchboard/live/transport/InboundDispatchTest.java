package io.switchboard.live.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * The first stage of the inbound budget, on a Netty pipeline: the guard stops reading the socket while
 * {@code inbound-dispatch} frames wait for the endpoint, and reads on once half of them were taken. The
 * endpoint stands in as websockets-next does it: each frame becomes a task on the connection's event loop.
 * (The drill over real sockets, {@code InboundFloodIT}, shows what it is for: without it a 256 MiB heap ran
 * out under four flooding clients.)
 */
class InboundDispatchTest {

    private static final int LIMIT = 8;

    /** websockets-next's part: a task per frame on the event loop; the frame's text is kept when it runs. */
    private static final class Endpoint extends ChannelInboundHandlerAdapter {
        final List<String> taken = new ArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            String text = msg instanceof TextWebSocketFrame t ? t.text() : msg.getClass().getSimpleName();
            ReferenceCountUtil.release(msg);
            ctx.executor().execute(() -> taken.add(text));
        }
    }

    @Test
    void readingStopsWhileTheEndpointIsBehindAndResumesWhenItCatchesUp() {
        Endpoint endpoint = new Endpoint();
        EmbeddedChannel channel = new EmbeddedChannel(new ProtocolViolations.Guard(LIMIT), endpoint);

        for (int i = 0; i < LIMIT - 1; i++) {
            channel.pipeline().fireChannelRead(new TextWebSocketFrame("{\"type\":\"ping\",\"ref\":\"" + i + "\"}"));
        }
        assertTrue(channel.config().isAutoRead(), "below the limit the socket is read");
        channel.pipeline().fireChannelRead(new PingWebSocketFrame()); // control frames count too
        assertFalse(channel.config().isAutoRead(), "at " + LIMIT + " frames waiting, reading stops");
        // What one read already decoded still reaches the endpoint: nothing is dropped.
        channel.pipeline().fireChannelRead(new TextWebSocketFrame("{\"type\":\"ping\",\"ref\":\"late\"}"));
        channel.pipeline().fireChannelReadComplete();
        assertEquals(0, endpoint.taken.size(), "the endpoint's tasks have not run yet");

        channel.runPendingTasks();
        assertEquals(LIMIT + 1, endpoint.taken.size(), "every frame reached the endpoint, in order");
        assertEquals("{\"type\":\"ping\",\"ref\":\"late\"}", endpoint.taken.get(LIMIT));
        assertTrue(channel.config().isAutoRead(), "the endpoint caught up: reading goes on");
        channel.finishAndReleaseAll();
    }

    @Test
    void aSlowTrickleNeverStopsReading() {
        Endpoint endpoint = new Endpoint();
        EmbeddedChannel channel = new EmbeddedChannel(new ProtocolViolations.Guard(LIMIT), endpoint);
        for (int round = 0; round < 10 * LIMIT; round++) {
            channel.pipeline().fireChannelRead(new TextWebSocketFrame("{\"type\":\"ping\"}"));
            channel.pipeline().fireChannelReadComplete();
            channel.runPendingTasks();
            assertTrue(channel.config().isAutoRead(), "round " + round);
        }
        assertEquals(10 * LIMIT, endpoint.taken.size());
        channel.finishAndReleaseAll();
    }
}
