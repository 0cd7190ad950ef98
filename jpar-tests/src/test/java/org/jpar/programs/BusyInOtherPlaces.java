package org.jpar.programs;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;

import org.jpar.Communicator;
import org.jpar.Par;

/**
 * A rank computes for {@code args[1]} seconds somewhere else than in its main thread outside jpar, while every other
 * thread of the job waits in jpar: slow, not hung. {@code args[0]}: {@code worker} (rank 1's main waits in a receive
 * while a thread it started computes, then sends), {@code op} (the user's operator computes inside allreduce),
 * {@code encode} (rank 0 sends an object whose serialization computes, rank 1 already waits in the receive),
 * {@code sleep} (rank 0's listener thread waits in a receive while its main thread sleeps, as one waiting for a file
 * or a service would, then sends: every thread that is in jpar waits, but the job is not hung).
 */
public final class BusyInOtherPlaces {
    private BusyInOtherPlaces() {
    }

    static double spin(double seconds) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        double x = 0;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 1000; i++) {
                x += Math.sqrt(i + x);
            }
        }
        return x;
    }

    /** Computes for its seconds when serialized. */
    static final class SlowToWrite implements Serializable {
        private static final long serialVersionUID = 1L;
        final double seconds;
        double spun;

        SlowToWrite(double seconds) {
            this.seconds = seconds;
        }

        private void writeObject(ObjectOutputStream out) throws IOException {
            spun = spin(seconds);
            out.defaultWriteObject();
        }
    }

    public static void main(String[] args) throws Exception {
        double seconds = Double.parseDouble(args[1]);
        try (Communicator w = Par.init(args)) {
            int me = w.rank();
            switch (args[0]) {
                case "worker" -> {
                    if (me == 1) {
                        Thread t = new Thread(() -> w.send(spin(seconds), 0, 5), "worker");
                        t.start();
                        w.receive(0, 6);
                        t.join();
                    } else if (me == 0) {
                        w.receive(1, 5);
                        w.send("ok", 1, 6);
                    }
                }
                case "op" -> {
                    int sum = w.allreduce(me, (a, b) -> {
                        spin(seconds);
                        return a + b;
                    });
                    System.out.println("rank " + me + " sum " + sum);
                }
                case "encode" -> {
                    if (me == 0) {
                        w.send(new SlowToWrite(seconds), 1, 7);
                    } else if (me == 1) {
                        SlowToWrite got = w.receive(0, 7);
                        System.out.println("rank 1 got " + got.seconds);
                    }
                }
                case "sleep" -> {
                    if (me == 0) {
                        Thread listener = new Thread(() -> w.receive(Par.ANY_SOURCE, 99), "listener");
                        listener.start();
                        Thread.sleep((long) (seconds * 1000));
                        w.send("ok", 1, 5);
                        w.send("stop", 0, 99);
                        listener.join();
                    } else if (me == 1) {
                        w.receive(0, 5);
                    }
                }
                default -> throw new IllegalArgumentException(args[0]);
            }
            w.barrier();
            System.out.println("rank " + me + " done");
        }
    }
}
