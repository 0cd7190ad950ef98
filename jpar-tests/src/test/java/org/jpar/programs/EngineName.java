package org.jpar.programs;

import org.jpar.Par;

/** Rank 0 prints {@code engine E on N ranks}: which engine the process chose. */
public final class EngineName {
    private EngineName() {
    }

    public static void main(String[] args) {
        int n = Par.allreduce(1, Integer::sum);
        if (Par.rank() == 0) {
            System.out.println("engine " + Par.world().engine() + " on " + n + " ranks");
        }
    }
}
