package org.jpar.programs;

import org.jpar.Par;

/**
 * Every rank joins, rank 0 prints {@code ready}, then rank 2 keeps busy until it is killed from outside, in the way
 * {@code args[0]} names: {@code recv-large} (rank 1 sends it 60 MB messages, one after another), {@code send-large}
 * (it sends rank 1 60 MB messages), {@code recv-small} (8-byte ping-pong with rank 1), {@code compute} (a busy loop);
 * the other ranks wait in a barrier it never reaches.
 */
public final class BusyWhenKilled {
    private static final int LARGE = 60 * 1024 * 1024;

    private BusyWhenKilled() {
    }

    public static void main(String[] args) {
        String mode = args[0];
        Par.barrier();
        if (Par.rank() == 0) {
            System.out.println("ready");
        }
        int rank = Par.rank();
        if (mode.equals("recv-large") && rank == 1 || mode.equals("send-large") && rank == 2) {
            byte[] msg = new byte[LARGE];
            while (true) {
                Par.send(msg, 3 - rank);
            }
        } else if (mode.equals("recv-large") && rank == 2 || mode.equals("send-large") && rank == 1) {
            byte[] buf = new byte[LARGE];
            while (true) {
                Par.world().receiveInto(buf, 3 - rank, 0);
            }
        } else if (mode.equals("recv-small") && (rank == 1 || rank == 2)) {
            long[] x = new long[1];
            while (true) {
                if (rank == 1) {
                    Par.send(x, 2);
                    Par.world().receiveInto(x, 2, 0);
                } else {
                    Par.world().receiveInto(x, 1, 0);
                    Par.send(x, 1);
                }
            }
        } else if (mode.equals("compute") && rank == 2) {
            double x = 0;
            while (x >= 0) {
                for (int i = 0; i < 1000; i++) {
                    x += Math.sqrt(i + x);
                }
            }
        }
        Par.barrier();
    }
}
