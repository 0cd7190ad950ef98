package org.jpar.programs;

import org.jpar.Par;

/** Every rank joins, rank 0 prints {@code ready}, then all sleep {@code args[0]} ms and meet again. */
public final class SleepingRanks {
    private SleepingRanks() {
    }

    public static void main(String[] args) throws Exception {
        Par.barrier();
        if (Par.rank() == 0) {
            System.out.println("ready");
        }
        Thread.sleep(Long.parseLong(args[0]));
        Par.barrier();
    }
}
