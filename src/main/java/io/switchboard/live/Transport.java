package io.switchboard.live;

/** The ways a client can receive. All read the same per-conversation cursor. */
public enum Transport {
    websocket, sse, longpoll, iframe, poll
}
