package org.jpar.programs;

import org.jpar.Par;

/** Ranks 0 and 1 exchange args[0] round trips of a 1 MiB double[] (received into a buffer), checking every value. */
public final class LargePingPong {
    private LargePingPong() {
    }

    public static void main(String[] args) {
        int trips = Integer.parseInt(args[0]);
        double[] msg = new double[128 * 1024];
        double[] buf = new double[msg.length];
        for (int t = 0; t < trips; t++) {
            if (Par.rank() == 0) {
                msg[t % msg.length] = t;
                Par.send(msg, 1, 0);
                Par.world().receiveInto(buf, 1, 0);
            } else if (Par.rank() == 1) {
                Par.world().receiveInto(buf, 0, 0);
                Par.send(buf, 0, 0);
            }
            if (Par.rank() < 2 && buf[t % buf.length] != t) {
                throw new IllegalStateException("round trip " + t + " came back with " + buf[t % buf.length]);
            }
        }
        System.out.println("rank " + Par.rank() + " done");
        Par.finish();
    }
}
