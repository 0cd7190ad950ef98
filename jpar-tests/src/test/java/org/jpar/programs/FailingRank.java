package org.jpar.programs;

import org.jpar.Par;

/** Rank {@code args[0]} (default: the last) throws while every other rank waits in a receive that never comes. */
public final class FailingRank {
    private FailingRank() {
    }

    public static void main(String[] args) throws Exception {
        int bad = args.length > 0 ? Integer.parseInt(args[0]) : Par.size() - 1;
        if (Par.rank() == bad) {
            Thread.sleep(200);
            throw new IllegalStateException("boom in rank " + Par.rank());
        }
        Par.receive(bad); // never sent: only the failure can end this
    }
}
