package org.jpar.programs;

import org.jpar.Par;

/** Rank 0 throws; every rank calls {@code Par.finish()} in a finally block; the others wait in a barrier. */
public final class ThrowWithFinallyFinish {
    private ThrowWithFinallyFinish() {
    }

    public static void main(String[] args) throws Exception {
        try {
            if (Par.rank() == 0) {
                Thread.sleep(200);
                throw new IllegalStateException("boom in rank 0");
            }
            Par.barrier();
        } finally {
            Par.finish();
        }
    }
}
