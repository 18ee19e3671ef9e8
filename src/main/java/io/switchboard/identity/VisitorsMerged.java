package io.switchboard.identity;

/**
 * An anonymous visitor signed in as someone already known: fired in the signing-in transaction, before its
 * tokens move, so each feature moves what it keeps of {@code from} to {@code into} (conversations whole, with
 * their messages and seqs; read cursors; uploads) in the same commit.
 */
public record VisitorsMerged(long from, long into) {
}
