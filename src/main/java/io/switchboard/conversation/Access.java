package io.switchboard.conversation;

import io.switchboard.identity.Caller;

/** Who may see a conversation: its own visitor, and agents. Every transport asks this, not only the handshake. */
public final class Access {

    private Access() {
    }

    public static boolean canSee(Caller caller, long visitorId) {
        return caller instanceof Caller.AgentCaller || caller.id() == visitorId;
    }
}
