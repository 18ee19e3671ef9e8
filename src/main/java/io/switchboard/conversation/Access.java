package io.switchboard.conversation;

import io.switchboard.identity.Caller;

/** Who may see a conversation: its own visitor, and agents. Every transport asks this, not only the handshake. */
public final class Access {

    private Access() {
    }

    public static boolean canSee(Caller caller, long visitorId) {
        return caller instanceof Caller.AgentCaller || caller.id() == visitorId;
    }

    /**
     * Who may write into (or re-assign) a conversation: its visitor; an agent when it is unassigned or
     * assigned to them; an admin always. An agent cannot speak in a colleague's conversation.
     */
    public static boolean canWrite(Caller caller, long visitorId, Long assigneeId) {
        if (caller instanceof Caller.AgentCaller agent) {
            return agent.admin() || assigneeId == null || assigneeId == agent.id();
        }
        return caller.id() == visitorId;
    }
}
