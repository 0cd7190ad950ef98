package org.jpar.programs;

import org.jpar.Par;

/** Rank 1 calls System.exit(0) while the other ranks still wait. */
public final class ExitingRank {
    private ExitingRank() {
    }

    public static void main(String[] args) throws Exception {
        if (Par.rank() == 1) {
            Thread.sleep(200);
            System.exit(0);
        }
        Par.receive(1);
    }
}
