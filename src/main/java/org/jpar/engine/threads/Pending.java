package org.jpar.engine.threads;

import java.util.concurrent.locks.LockSupport;

import org.jpar.Envelope;
import org.jpar.Request;

/** A posted receive: waits in its mailbox until a sender completes it. */
final class Pending implements Request<Object> {
    final ThreadsTransport owner;
    final int source;
    final int tag;
    final Object buffer;
    volatile Msg msg;
    volatile boolean parked;
    volatile Thread waiter;
    private Envelope<Object> opened;

    Pending(ThreadsTransport owner, int source, int tag, Object buffer) {
        this.owner = owner;
        this.source = source;
        this.tag = tag;
        this.buffer = buffer;
    }

    /** Called by the sender, after it took this receive out of the mailbox. */
    void complete(Msg m) {
        msg = m;
        if (parked) {
            LockSupport.unpark(waiter);
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
        return msg != null;
    }
}
