package org.jpar.programs;

import org.jpar.Communicator;
import org.jpar.Par;

/** Rank 0 calls barrier while the other ranks call broadcast: in strict mode, one clear error. */
public final class MismatchedCollectives {
    private MismatchedCollectives() {
    }

    public static void main(String[] args) {
        try (Communicator w = Par.init(args)) {
            if (w.rank() == 0) {
                w.barrier();
            } else {
                w.broadcast("x", 1);
            }
        }
    }
}
