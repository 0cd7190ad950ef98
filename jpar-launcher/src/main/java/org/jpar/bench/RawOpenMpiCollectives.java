package org.jpar.bench;

import java.util.Arrays;

import org.jpar.engine.openmpi.Mpi;
import org.jpar.engine.openmpi.OpenMpiInstallation;

/**
 * Open MPI's own collectives through its Java bindings, alone under {@code mpirun} (no jpar in the ranks, thread level
 * single as {@code MPI.Init} gives): the figure {@code jpar bench allreduce|bcast|alltoall} (threads engine) prints
 * after its own, since the threads engine's ranks share one JVM where MPI cannot run. Same sizes, arrays and timing
 * as {@link CollectiveBench} (the slowest rank's batch); heap arrays and direct buffers in alternating batches. Rank 0
 * prints {@code raw-openmpi-heap <bench> bytes=.. ranks=.. best_us=.. median_us=..} and {@code raw-openmpi-direct ...}.
 *
 * <p>Arguments: {@code <allreduce|bcast|alltoall> [scale]}.
 */
public final class RawOpenMpiCollectives {
    private RawOpenMpiCollectives() {
    }

    /** @param args {@code <allreduce|bcast|alltoall> [scale]} */
    public static void main(String[] args) {
        String kind = args.length > 0 ? args[0] : "allreduce";
        double scale = args.length > 1 ? Double.parseDouble(args[1]) : 1.0;
        OpenMpiInstallation.forThisProcess();
        Mpi.init(new String[0]);
        Object world = Mpi.constant("COMM_WORLD");
        try {
            int size = Mpi.size(world);
            Object doubles = Mpi.constant("DOUBLE");
            Object max = Mpi.constant("MAX");
            for (int bytes : new int[] {8, 1 << 20}) {
                int iterations = Math.max(5, (int) ((bytes == 8 ? 20_000 : 200) * scale));
                Runnable[] batches = {CollectiveBench.raw(world, kind, bytes / 8, size, iterations, false),
                    CollectiveBench.raw(world, kind, bytes / 8, size, iterations, true)};
                String[] who = {"raw-openmpi-heap", "raw-openmpi-direct"};
                int n = CollectiveBench.BATCHES;
                double[] times = new double[2 * n];
                // untimed rounds as AlternatingBatches: at least WARMUP, and until its warm-up time has passed at
                // every rank (the slowest rank's elapsed time, so every rank decides alike)
                long warmupNanos = (long) (AlternatingBatches.WARMUP_SECONDS * Math.min(1.0, scale) * 1e9);
                long warmStart = System.nanoTime();
                double[] elapsed = new double[1];
                double[] slowestElapsed = new double[1];
                for (int w = 0; w < AlternatingBatches.MAX_WARMUP; w++) {
                    if (w >= CollectiveBench.WARMUP) {
                        elapsed[0] = System.nanoTime() - warmStart;
                        Mpi.allReduce(world, elapsed, slowestElapsed, 1, doubles, max);
                        if (slowestElapsed[0] >= warmupNanos) {
                            break;
                        }
                    }
                    for (int i = 0; i < 2; i++) {
                        Mpi.barrier(world);
                        batches[i].run();
                    }
                }
                for (int b = 0; b < n; b++) {
                    for (int i = 0; i < 2; i++) {
                        Mpi.barrier(world);
                        long start = System.nanoTime();
                        batches[i].run();
                        long t = System.nanoTime() - start;
                        times[i * n + b] = t / (double) iterations;
                    }
                }
                double[] slowest = new double[2 * n];
                Mpi.allReduce(world, times, slowest, 2 * n, doubles, max);
                if (Mpi.rank(world) == 0) {
                    for (int i = 0; i < 2; i++) {
                        double[] mine = Arrays.copyOfRange(slowest, i * n, (i + 1) * n);
                        AlternatingBatches.Result r = new AlternatingBatches.Result(who[i], mine);
                        System.out.println(CollectiveBench.line(who[i], kind, bytes, size)
                                + AlternatingBatches.fields(java.util.List.of(r), 0));
                    }
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
}
