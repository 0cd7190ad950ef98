package org.jpar.bench;

import java.util.List;

import org.jpar.Communicator;
import org.jpar.JparException;
import org.jpar.Par;
import org.jpar.engine.mpj.Mpj;
import org.jpar.engine.mpj.RawMpj;

/**
 * {@code jpar bench pingpong --engine mpj [--device niodev]}: jpar's ping-pong ({@link PingPong}), then in the same
 * job (the same JVMs, the same device) the raw MPJ Express baseline: the same exchanges written directly against
 * MPJ's mpiJava 1.2 API as its users would, {@code Send}/{@code Recv} of {@code byte[]} with {@code MPI.BYTE}, and the
 * object payloads (plus a boxed {@code Integer}) with {@code MPI.OBJECT}. Rank 0 prints {@code jpar-mpj ...},
 * {@code raw-mpj ...} and {@code raw-mpj-object ...} lines.
 */
public final class MpjPingPong {
    private static final int BATCHES = 5;
    private static final int WARMUP = 3;

    private MpjPingPong() {
    }

    /** @param args {@code [scale]} */
    public static void main(String[] args) {
        double scale = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        Communicator world = Par.world();
        if (world.size() < 2) {
            throw new JparException("pingpong needs at least 2 ranks, got " + world.size() + ": run it with -np 2");
        }
        RawMpj raw = RawMpj.current();
        if (raw == null) {
            throw new JparException("the MPJ ping-pong runs under jpar run --engine mpj");
        }
        String device = System.getProperty("jpar.bench.device", "");
        Integer boxed = 42;
        for (Payloads.Payload p : Payloads.arrays(scale)) {
            byte[] msg = (byte[]) p.value();
            double t = jparArrays(world, msg, new byte[msg.length], p.iterations());
            if (world.rank() == 0) {
                System.out.println(Payloads.line("jpar-mpj", p.name(), p.bytes(), t));
            }
        }
        List<Payloads.Payload> jparObjects = new java.util.ArrayList<>(Payloads.objects(scale));
        jparObjects.add(new Payloads.Payload("integer", boxed, -1, Math.max(10, (int) (100_000 * scale))));
        for (Payloads.Payload p : jparObjects) {
            double t = jparObjects(world, p.value(), p.iterations());
            if (world.rank() == 0) {
                System.out.println(Payloads.line("jpar-mpj", p.name(), Math.max(0, p.bytes()), t));
            }
        }
        world.barrier();
        Mpj mpj = raw.mpj();
        Object comm = raw.world();
        int rank = world.rank();
        String who = "raw-mpj" + device;
        for (Payloads.Payload p : Payloads.arrays(scale)) {
            byte[] msg = (byte[]) p.value();
            double t = arrays(mpj, comm, rank, msg, new byte[msg.length], p.iterations());
            if (rank == 0) {
                System.out.println(Payloads.line(who, p.name(), p.bytes(), t));
            }
        }
        List<Payloads.Payload> objects = new java.util.ArrayList<>(Payloads.objects(scale));
        objects.add(new Payloads.Payload("integer", boxed, -1, Math.max(10, (int) (100_000 * scale))));
        for (Payloads.Payload p : objects) {
            double t = objects(mpj, comm, rank, p.value(), p.iterations());
            if (rank == 0) {
                System.out.println(Payloads.line(who + "-object", p.name(), Math.max(0, p.bytes()), t));
            }
        }
        world.barrier();
        Par.finish();
    }

    private static double jparArrays(Communicator c, byte[] msg, byte[] buf, int iterations) {
        double[] batches = new double[BATCHES];
        for (int b = -WARMUP; b < BATCHES; b++) {
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
        return Payloads.median(batches);
    }

    private static double jparObjects(Communicator c, Object msg, int iterations) {
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
        return Payloads.median(batches);
    }

    private static double arrays(Mpj mpj, Object comm, int rank, byte[] msg, byte[] buf, int iterations) {
        Object type = mpj.constant("BYTE");
        double[] batches = new double[BATCHES];
        for (int b = -WARMUP; b < BATCHES; b++) {
            mpj.barrier(comm);
            long start = System.nanoTime();
            if (rank == 0) {
                for (int i = 0; i < iterations; i++) {
                    mpj.send(comm, msg, 0, msg.length, type, 1, 0);
                    mpj.recv(comm, buf, 0, buf.length, type, 1, 0);
                }
            } else if (rank == 1) {
                for (int i = 0; i < iterations; i++) {
                    mpj.recv(comm, buf, 0, buf.length, type, 0, 0);
                    mpj.send(comm, buf, 0, buf.length, type, 0, 0);
                }
            }
            long t = System.nanoTime() - start;
            if (b >= 0) {
                batches[b] = t / (2.0 * iterations);
            }
        }
        return Payloads.median(batches);
    }

    private static double objects(Mpj mpj, Object comm, int rank, Object value, int iterations) {
        Object type = mpj.constant("OBJECT");
        Object[] out = {value};
        Object[] in = new Object[1];
        double[] batches = new double[BATCHES];
        for (int b = -WARMUP; b < BATCHES; b++) {
            mpj.barrier(comm);
            long start = System.nanoTime();
            if (rank == 0) {
                for (int i = 0; i < iterations; i++) {
                    mpj.send(comm, out, 0, 1, type, 1, 0);
                    mpj.recv(comm, in, 0, 1, type, 1, 0);
                }
            } else if (rank == 1) {
                for (int i = 0; i < iterations; i++) {
                    mpj.recv(comm, in, 0, 1, type, 0, 0);
                    mpj.send(comm, in, 0, 1, type, 0, 0);
                }
            }
            long t = System.nanoTime() - start;
            if (b >= 0) {
                batches[b] = t / (2.0 * iterations);
            }
        }
        return Payloads.median(batches);
    }
}
