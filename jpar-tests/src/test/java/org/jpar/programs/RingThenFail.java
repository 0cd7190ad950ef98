package org.jpar.programs;

import org.jpar.Par;

/** One trip round the ring (a send to the next rank, a receive from the previous), then the last rank throws. */
public final class RingThenFail {
    private RingThenFail() {
    }

    public static void main(String[] args) {
        int n = Par.size();
        int me = Par.rank();
        Par.send(me, (me + 1) % n);
        Par.receive((me + n - 1) % n);
        if (me == n - 1) {
            throw new IllegalStateException("boom after the ring in rank " + me);
        }
        Par.receive(n - 1); // never sent: only the failure can end this
    }
}
