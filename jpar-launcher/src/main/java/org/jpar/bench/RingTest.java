package org.jpar.bench;

import java.util.Locale;

import org.jpar.Communicator;
import org.jpar.JparException;
import org.jpar.Par;

/**
 * Ring test, as {@code python -m mpi4py.bench ringtest}: a byte array goes round the ring {@code loops} times; rank 0
 * prints the time one trip round the ring takes (the best of 5 timed rounds, after 2 that warm up the JIT).
 * Arguments: {@code [loops] [bytes]} (defaults 1000 and 8).
 */
public final class RingTest {
    private RingTest() {
    }

    /** @param args {@code [loops] [bytes]} */
    public static void main(String[] args) {
        int loops = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int bytes = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        Communicator c = Par.world();
        int n = c.size();
        if (n < 2) {
            throw new JparException("ringtest needs at least 2 ranks, got " + n + ": run it with -np 2 or more");
        }
        byte[] msg = new byte[bytes];
        byte[] buf = new byte[bytes];
        int left = (c.rank() - 1 + n) % n;
        int right = (c.rank() + 1) % n;
        double best = Double.MAX_VALUE;
        for (int rep = -2; rep < 5; rep++) {
            c.barrier();
            long start = System.nanoTime();
            for (int i = 0; i < loops; i++) {
                if (c.rank() == 0) {
                    c.send(msg, right, 0);
                    c.receiveInto(buf, left, 0);
                } else {
                    c.receiveInto(buf, left, 0);
                    c.send(buf, right, 0);
                }
            }
            if (rep >= 0) {
                best = Math.min(best, (System.nanoTime() - start) / 1e3 / loops);
            }
        }
        if (c.rank() == 0) {
            System.out.println(String.format(Locale.ROOT,
                    "jpar-%s ringtest ranks=%d bytes=%d loops=%d time_per_loop_us=%.2f time_per_hop_us=%.3f",
                    c.engine(), n, bytes, loops, best, best / n));
        }
        Par.finish();
    }
}
