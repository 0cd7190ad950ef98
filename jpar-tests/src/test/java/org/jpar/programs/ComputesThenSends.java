package org.jpar.programs;

import org.jpar.Par;

/** Rank 0 computes for args[0] seconds (a busy loop) while the others wait for its message: slow, not hung. */
public final class ComputesThenSends {
    private ComputesThenSends() {
    }

    public static void main(String[] args) {
        if (Par.rank() == 0) {
            long end = System.nanoTime() + (long) (Double.parseDouble(args[0]) * 1e9);
            double x = 0;
            while (System.nanoTime() < end) {
                for (int i = 0; i < 1000; i++) {
                    x += Math.sqrt(i + x);
                }
            }
            for (int r = 1; r < Par.size(); r++) {
                Par.send(x, r);
            }
            System.out.println("computed");
        } else {
            Par.receive(0);
            System.out.println("rank " + Par.rank() + " got it");
        }
        Par.finish();
    }
}
