package io.switchboard.support;

import java.util.List;

/** A client following one conversation on one transport, recording every message it is handed. */
public interface Receiver extends AutoCloseable {

    String transport();

    /** Every message received so far, in arrival order (duplicates included, so tests can see them). */
    List<Received> received();

    default List<Long> seqs() {
        return received().stream().map(Received::seq).toList();
    }

    default long cursor() {
        List<Received> all = received();
        return all.isEmpty() ? 0 : all.get(all.size() - 1).seq();
    }

    @Override
    void close();
}
