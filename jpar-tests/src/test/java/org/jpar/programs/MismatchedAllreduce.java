package org.jpar.programs;

import org.jpar.Op;
import org.jpar.Par;

/** Every rank calls an element-wise allreduce, the last rank with one element fewer than the others. */
public final class MismatchedAllreduce {
    private MismatchedAllreduce() {
    }

    public static void main(String[] args) {
        try (var world = Par.init(args)) {
            int n = world.rank() == world.size() - 1 ? 3 : 4;
            double[] sum = world.allreduce(new double[n], Op.SUM);
            System.out.println("rank " + world.rank() + " got " + sum.length);
        }
    }
}
