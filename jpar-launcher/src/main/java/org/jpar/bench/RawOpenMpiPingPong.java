package org.jpar.bench;

import java.nio.ByteBuffer;

import org.jpar.engine.openmpi.Mpi;
import org.jpar.engine.openmpi.OpenMpiInstallation;

/**
 * The raw baseline for the Open MPI engine: the same ping-pong as {@link org.jpar.bench.PingPong} written directly
 * against Open MPI's Java bindings, as a user of {@code mpi.*} would, with {@code MPI.Init} (no thread support
 * requested), {@code MPI.COMM_WORLD.send/recv} and {@code MPI.BYTE}: once with heap {@code byte[]} arrays (the
 * bindings copy them through a native buffer) and once with direct buffers from {@code MPI.newByteBuffer} (no copy).
 * It reaches {@code mpi.*} through the same run-time binding as the engine. Rank 0 prints
 * {@code raw-openmpi-heap payload=...} and {@code raw-openmpi-direct payload=...} lines.
 *
 * <p>Run under {@code mpirun -np 2} (standalone: {@code jpar bench pingpong --engine openmpi} runs its baseline in
 * jpar's own ranks, alternating with jpar, at jpar's thread level).
 * Arguments: {@code [scale [thread-multiple]]}: a factor on the iteration counts; {@code thread-multiple} asks for
 * {@code MPI_THREAD_MULTIPLE} as jpar does by default (lines {@code raw-openmpi-mt-heap}, {@code -mt-direct}).
 */
public final class RawOpenMpiPingPong {
    private static final int BATCHES = 5;
    private static final int WARMUP = 3; // as PingPong

    private RawOpenMpiPingPong() {
    }

    /** @param args {@code [scale [thread-multiple]]} */
    public static void main(String[] args) {
        double scale = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        boolean multiple = args.length > 1 && args[1].equals("thread-multiple");
        String who = multiple ? "raw-openmpi-mt" : "raw-openmpi";
        OpenMpiInstallation.forThisProcess();
        if (multiple) {
            Mpi.initThread(new String[0], Mpi.intConstant("THREAD_MULTIPLE"));
        } else {
            Mpi.init(new String[0]);
        }
        Object world = Mpi.constant("COMM_WORLD");
        try {
            Object type = Mpi.constant("BYTE");
            int rank = Mpi.rank(world);
            if (Mpi.size(world) < 2) {
                throw new IllegalStateException("the raw ping-pong needs at least 2 ranks: run it with -np 2");
            }
            for (Payloads.Payload p : Payloads.arrays(scale)) {
                byte[] msg = (byte[]) p.value();
                double ns = measure(world, type, rank, msg, new byte[msg.length], msg.length, p.iterations());
                if (rank == 0) {
                    System.out.println(Payloads.line(who + "-heap", p.name(), p.bytes(), ns));
                }
            }
            for (Payloads.Payload p : Payloads.arrays(scale)) {
                int n = (int) p.bytes();
                ByteBuffer msg = Mpi.newByteBuffer(n);
                ByteBuffer buf = Mpi.newByteBuffer(n);
                double ns = measure(world, type, rank, msg, buf, n, p.iterations());
                if (rank == 0) {
                    System.out.println(Payloads.line(who + "-direct", p.name(), p.bytes(), ns));
                }
            }
            Mpi.barrier(world);
        } catch (RuntimeException | Error e) {
            System.err.println("raw-openmpi: rank failed: " + e);
            e.printStackTrace();
            Mpi.abort(world, 1);
        }
        Mpi.finish();
    }

    /** @return the median one-way time in ns of {@code iterations} round trips between ranks 0 and 1 */
    private static double measure(Object comm, Object type, int rank, Object msg, Object buf, int n, int iterations) {
        double[] batches = new double[BATCHES];
        for (int b = -WARMUP; b < BATCHES; b++) { // negative batches warm up
            Mpi.barrier(comm);
            long start = System.nanoTime();
            if (rank == 0) {
                for (int i = 0; i < iterations; i++) {
                    Mpi.send(comm, msg, n, type, 1, 0);
                    Mpi.recv(comm, buf, n, type, 1, 0);
                }
            } else if (rank == 1) {
                for (int i = 0; i < iterations; i++) {
                    Mpi.recv(comm, buf, n, type, 0, 0);
                    Mpi.send(comm, buf, n, type, 0, 0);
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
