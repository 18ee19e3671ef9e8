package io.switchboard.api;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** The body of every error response: a stable machine code and a sentence for people. */
@RegisterForReflection
public record Problem(String error, String message) {

    public static Problem of(ErrorCode code, String message) {
        return new Problem(code.code(), message);
    }
}
