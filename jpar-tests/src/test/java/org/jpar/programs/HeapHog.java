package org.jpar.programs;

import java.util.ArrayList;
import java.util.List;

import org.jpar.Par;

/**
 * Rank {@code args[0]} (default 1) fills the heap and keeps it full (what it allocated stays reachable from a static
 * field) until it fails with {@code OutOfMemoryError}, once every rank has started; the other ranks wait in a barrier.
 */
public final class HeapHog {
    static final List<long[]> HOARD = new ArrayList<>();

    private HeapHog() {
    }

    public static void main(String[] args) throws InterruptedException {
        int bad = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        Par.barrier(); // every rank has started (in a shared heap, a rank still starting up allocates too)
        if (Par.rank() == bad) {
            Thread.sleep(200); // the others wait in the barrier below
            while (true) {
                HOARD.add(new long[16 * 1024]);
            }
        }
        Par.barrier();
    }
}
