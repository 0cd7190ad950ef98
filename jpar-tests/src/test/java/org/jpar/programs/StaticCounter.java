package org.jpar.programs;

import org.jpar.Par;

/** A static counter that each rank bumps once: with per-rank statics every rank prints 1. */
public final class StaticCounter {
    static int counter;

    private StaticCounter() {
    }

    public static void main(String[] args) {
        counter++;
        Par.barrier();
        System.out.println("rank " + Par.rank() + " counter " + counter);
    }
}
