package org.jpar.engine.threads;

import java.util.concurrent.locks.LockSupport;

import org.jpar.Envelope;
import org.jpar.Request;

/** A posted receive: matched by whichever thread of the receiving rank drains the mailbox. */
final class Pending implements Request<Object>, Waiting, org.jpar.spi.ProgressWait {
    final ThreadsTransport owner;
    final int source;
    final int tag;
    final Object buffer;
    volatile Msg msg;
    volatile Thread waiter;
    private Envelope<Object> opened;

    Pending(ThreadsTransport owner, int source, int tag, Object buffer) {
        this.owner = owner;
        this.source = source;
        this.tag = tag;
        this.buffer = buffer;
    }

    /**
     * Hands {@code m} to this receive (called under the mailbox's lock, by any thread that sorts it) and wakes its
     * waiter. A large message is copied here, so its sender goes on without waiting for this receive's await.
     */
    void complete(Msg m) {
        msg = m.kind == Msg.RENDEZVOUS ? m.copyFor(buffer) : m;
        m.matched();
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    @Override
    public Object await() {
        return awaitEnvelope().value();
    }

    @Override
    public synchronized Envelope<Object> awaitEnvelope() {
        if (opened == null) {
            opened = owner.open(owner.await(this), this);
        }
        return opened;
    }

    @Override
    public boolean isDone() {
        return msg != null || owner.poll(this);
    }

    @Override
    public boolean done() {
        return msg != null;
    }

    /** Sleeps until a message arrives for this rank (or this receive is completed), at most {@code maxNanos}. */
    @Override
    public void parkForProgress(long maxNanos) {
        owner.parkForArrival(this, maxNanos);
    }

    @Override
    public void parking(Thread t) {
        waiter = t;
    }

    @Override
    public int peer() {
        return source < 0 ? -1 : owner.group().jobRank(source);
    }

    @Override
    public String describe() {
        return "receive(source=" + (source == ThreadsTransport.ANY_SOURCE ? "ANY_SOURCE" : source) + ", tag="
                + Waiting.tag(tag) + ")" + owner.where();
    }
}
