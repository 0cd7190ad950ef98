package org.jpar.bench;

import org.jpar.Communicator;
import org.jpar.JparException;
import org.jpar.Par;

/**
 * Ping-pong between ranks 0 and 1, as {@code python -m mpi4py.bench pingpong}: one-way latency and bandwidth for
 * byte arrays (received into a buffer, never serialized) and for objects (encoded). An SPMD program, so it runs
 * unchanged on every engine: {@code jpar bench pingpong --engine E}. Ranks above 1 only wait. Rank 0 prints one
 * line per payload: {@code jpar-<engine> payload=<name> bytes=<n> latency_us=<median> best_us=<best>
 * bandwidth_MBps=<y>} (the median and the best of its timed batches).
 *
 * <p>Arguments: {@code [scale [file]]}: a factor on the iteration counts (default 1), and a file rank 0 appends its
 * lines to as well (for {@code jpar bench}'s comparison with other runs).
 */
public final class PingPong {
    private static final int BATCHES = 5;
    /** Untimed batches first: the JIT needs them (an MPI rank's compiler threads share its one bound core). */
    private static final int WARMUP = 3;

    private PingPong() {
    }

    /** @param args {@code [scale [file]]} */
    public static void main(String[] args) {
        double scale = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        String file = args.length > 1 ? args[1] : null;
        Communicator world = Par.world();
        if (world.size() < 2) {
            throw new JparException("pingpong needs at least 2 ranks, got " + world.size() + ": run it with -np 2");
        }
        run(world, scale, file);
        world.barrier();
        Par.finish();
    }

    /** Runs every payload between ranks 0 and 1 of {@code world}; rank 0 prints the lines. */
    public static void run(Communicator world, double scale) {
        run(world, scale, null);
    }

    private static void run(Communicator world, double scale, String file) {
        String who = "jpar-" + world.engine();
        for (Payloads.Payload p : Payloads.arrays(scale)) {
            double[] ns = arrays(world, (byte[]) p.value(), p.iterations());
            if (world.rank() == 0) {
                String line = Payloads.line(who, p.name(), p.bytes(), ns);
                System.out.println(line);
                Payloads.record(file, line);
            }
        }
        for (Payloads.Payload p : Payloads.objects(scale)) {
            double[] ns = objects(world, p.value(), p.iterations());
            if (world.rank() == 0) {
                long bytes = p.bytes() >= 0 ? p.bytes() : encodedSize(p.value());
                String line = Payloads.line(who, p.name(), bytes, ns);
                System.out.println(line);
                Payloads.record(file, line);
            }
        }
    }

    /** @return the one-way time in ns of each timed batch of {@code iterations} round trips of {@code msg} */
    static double[] arrays(Communicator c, byte[] msg, int iterations) {
        byte[] buf = new byte[msg.length];
        double[] batches = new double[BATCHES];
        for (int b = -WARMUP; b < BATCHES; b++) { // negative batches warm up
            c.barrier();
            long start = System.nanoTime();
            if (c.rank() == 0) {
                for (int i = 0; i < iterations; i++) {
                    c.send(msg, 1, 0);
                    c.receiveInto(buf, 1, 0);
                }
            } else if (c.rank() == 1) {
                for (int i = 0; i < iterations; i++) {
                    c.receiveInto(buf, 0, 0);
                    c.send(buf, 0, 0);
                }
            }
            long t = System.nanoTime() - start;
            if (b >= 0) {
                batches[b] = t / (2.0 * iterations);
            }
        }
        return batches;
    }

    /** @return the one-way time in ns of each timed batch of {@code iterations} round trips of the object {@code msg} */
    static double[] objects(Communicator c, Object msg, int iterations) {
        double[] batches = new double[BATCHES];
        for (int b = -WARMUP; b < BATCHES; b++) {
            c.barrier();
            long start = System.nanoTime();
            if (c.rank() == 0) {
                for (int i = 0; i < iterations; i++) {
                    c.send(msg, 1, 0);
                    c.receive(1, 0);
                }
            } else if (c.rank() == 1) {
                for (int i = 0; i < iterations; i++) {
                    Object o = c.receive(0, 0);
                    c.send(o, 0, 0);
                }
            }
            long t = System.nanoTime() - start;
            if (b >= 0) {
                batches[b] = t / (2.0 * iterations);
            }
        }
        return batches;
    }

    private static long encodedSize(Object value) {
        return new org.jpar.internal.ObjectCodec(PingPong.class.getClassLoader()).encode(value).length;
    }
}
