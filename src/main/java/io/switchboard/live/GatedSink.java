package io.switchboard.live;

/** A sink whose replays wait for its {@link ReadyGate}: the transports that queue towards a client. */
public abstract class GatedSink implements Sink {

    protected final ReadyGate gate = new ReadyGate(this::hasRoom);

    /** Is less than the low-water mark queued towards the client, so a replay may write more? */
    protected abstract boolean hasRoom();

    @Override
    public boolean ready() {
        return gate.ready();
    }

    @Override
    public void whenReady(Runnable next) {
        gate.whenReady(next);
    }
}
