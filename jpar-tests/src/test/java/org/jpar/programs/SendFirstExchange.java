package org.jpar.programs;

import org.jpar.Par;

/**
 * Every rank sends 8 KiB to its right neighbour, then receives from its left: fine while sends are buffered (the
 * embedded engine's eager limit is 16 KiB), a hang under Open MPI (rendezvous above 4 KiB).
 */
public final class SendFirstExchange {
    private SendFirstExchange() {
    }

    public static void main(String[] args) {
        int n = Par.size();
        Par.send(new byte[8192], (Par.rank() + 1) % n, 0);
        Par.receive((Par.rank() - 1 + n) % n, 0);
        System.out.println("rank " + Par.rank() + " exchanged");
        Par.finish();
    }
}
