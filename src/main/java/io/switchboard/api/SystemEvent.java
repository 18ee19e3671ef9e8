package io.switchboard.api;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What a system message in a conversation's timeline records: a change anyone in it should see, stored and
 * replayed like any message. Its author is the agent it is about ({@code joined}, {@code left}) or who did it
 * ({@code resolved}, {@code reopened}, {@code requeued}); none when a visitor's message reopened it.
 */
@RegisterForReflection // read and written by Jackson (frames, NOTIFY payloads), in the native image too
public enum SystemEvent {
    /** An agent took the conversation: claimed, assigned, auto-assigned or by a first reply. */
    joined,
    /** The assigned agent was unassigned. */
    left,
    resolved,
    /** A resolved conversation is open or waiting again. */
    reopened,
    /** An agent put it back in the waiting queue. */
    requeued
}
