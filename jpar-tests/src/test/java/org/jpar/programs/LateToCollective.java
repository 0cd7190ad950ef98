package org.jpar.programs;

import org.jpar.Communicator;
import org.jpar.Op;
import org.jpar.Par;

/**
 * Rank 0 sleeps 2 s, then every rank calls the collective named by the argument ({@code barrier} or
 * {@code allreduce}) as its first collective: the other ranks wait about 2 s in it, which a trace must show.
 */
public final class LateToCollective {
    private LateToCollective() {
    }

    public static void main(String[] args) throws Exception {
        try (Communicator w = Par.init(args)) {
            if (w.rank() == 0) {
                Thread.sleep(2000);
            }
            long t = System.nanoTime();
            if (args.length > 0 && args[0].equals("allreduce")) {
                w.allreduce(new double[] {1}, Op.SUM);
            } else {
                w.barrier();
            }
            System.out.println("rank " + w.rank() + " waited " + (System.nanoTime() - t) / 1_000_000 + " ms");
        }
    }
}
