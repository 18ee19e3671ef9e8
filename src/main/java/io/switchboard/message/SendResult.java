package io.switchboard.message;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.switchboard.api.MessageView;

/** The stored message, and whether this send was a retry of one already stored. */
@RegisterForReflection
public record SendResult(MessageView message, boolean duplicate) {
}
