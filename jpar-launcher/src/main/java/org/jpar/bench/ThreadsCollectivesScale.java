package org.jpar.bench;

import java.util.Arrays;
import java.util.Locale;

import org.jpar.Communicator;
import org.jpar.Op;
import org.jpar.Par;
import org.jpar.engine.threads.ThreadsEngine;

/**
 * The embedded engine's collectives at scale: the time of one collective over many ranks, each a thread of this JVM
 * (by default {@code allreduce} of one {@code double}, in place, SUM, on 1024 ranks). Rank 0 times batches of
 * back-to-back collectives (every rank takes part in each, so a batch's time over its count is the time of one) and
 * prints the best and the median batch.
 *
 * <p>Run: {@code java [-Djpar.threads.ranks=virtual] -cp target/jpar.jar org.jpar.bench.ThreadsCollectivesScale
 * [ranks] [per batch] [batches] [allreduce|bcast|alltoall|barrier] [bytes]} (defaults 1024, 200, 15, allreduce, 8;
 * virtual-thread ranks need JDK 24+).
 */
public final class ThreadsCollectivesScale {
    private ThreadsCollectivesScale() {
    }

    /** @param args {@code [ranks] [per batch] [batches] [collective] [bytes]} */
    public static void main(String[] args) {
        int ranks = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        int perBatch = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int batches = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        String what = args.length > 3 ? args[3] : "allreduce";
        int doubles = Math.max(1, (args.length > 4 ? Integer.parseInt(args[4]) : 8) / 8);
        double[] micros = new double[batches];
        ThreadsEngine.run(ranks, (Communicator world) -> {
            int n = what.equals("alltoall") ? doubles - doubles % ranks + ranks : doubles;
            double[] x = new double[n];
            double[] y = new double[n];
            Runnable once = switch (what) {
                case "allreduce" -> () -> {
                    x[0] = 1;
                    world.allreduce(Par.IN_PLACE, x, Op.SUM);
                };
                case "bcast" -> () -> world.broadcastInto(x, 0);
                case "alltoall" -> () -> world.alltoall(x, y);
                case "barrier" -> world::barrier;
                default -> throw new IllegalArgumentException("unknown collective " + what
                        + ": give allreduce, bcast, alltoall or barrier");
            };
            for (int i = 0; i < perBatch; i++) { // warm-up
                once.run();
            }
            for (int b = 0; b < batches; b++) {
                world.barrier();
                long start = System.nanoTime();
                for (int i = 0; i < perBatch; i++) {
                    once.run();
                }
                long ns = System.nanoTime() - start;
                if (what.equals("allreduce") && x[0] != ranks) {
                    throw new IllegalStateException("allreduce gave " + x[0] + ", expected " + ranks);
                }
                if (world.rank() == 0) {
                    micros[b] = ns / 1000.0 / perBatch;
                }
            }
        });
        double[] sorted = micros.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "threads %s %d bytes, %d ranks (%s threads): best %.3f us, median %.3f us "
                + "(%d batches of %d)%n", what, doubles * 8, ranks,
                ThreadsEngine.virtualRanks() ? "virtual" : "platform", sorted[0], sorted[batches / 2], batches, perBatch);
    }
}
