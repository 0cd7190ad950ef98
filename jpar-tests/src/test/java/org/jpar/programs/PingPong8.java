package org.jpar.programs;

import java.util.Arrays;

import org.jpar.Communicator;
import org.jpar.Par;

/** 8-byte ping-pong between ranks 0 and 1: prints the median one-way time of args[1] batches of args[0] trips. */
public final class PingPong8 {
    private PingPong8() {
    }

    public static void main(String[] args) {
        int trips = Integer.parseInt(args[0]);
        int batches = Integer.parseInt(args[1]);
        Communicator c = Par.world();
        byte[] msg = new byte[8];
        byte[] buf = new byte[8];
        double[] ns = new double[batches];
        for (int b = -2; b < batches; b++) {
            c.barrier();
            long start = System.nanoTime();
            for (int i = 0; i < trips; i++) {
                if (c.rank() == 0) {
                    c.send(msg, 1, 0);
                    c.receiveInto(buf, 1, 0);
                } else {
                    c.receiveInto(buf, 0, 0);
                    c.send(msg, 0, 0);
                }
            }
            if (b >= 0) {
                ns[b] = (System.nanoTime() - start) / (2.0 * trips);
            }
        }
        Arrays.sort(ns);
        if (c.rank() == 0) {
            System.out.printf("one-way 8 B: median %.3f us (batches %.3f..%.3f)%n", ns[batches / 2] / 1e3, ns[0] / 1e3,
                    ns[batches - 1] / 1e3);
        }
        Par.finish();
    }
}
