package org.jpar.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jpar.Communicator;

/**
 * Runs jpar and its baselines batch by batch in turn (A B A B ...), so that the noise of a shared machine falls on
 * all of them alike, and reports each one's best and median batch with jpar's ratio to each baseline: on a shared
 * 2-core machine the ratio of two back-to-back single runs swings from 0.64x to 1.23x; alternating batches and
 * comparing medians does not.
 *
 * <p>Every rank of {@code comm} runs every batch (ranks with nothing to do run an empty one); before each batch the
 * ranks meet in a barrier. A batch's time is the slowest rank's (what a collective costs is when the last rank is
 * done), per operation, in nanoseconds.
 *
 * <p>Besides the ratios of the best and of the median batches, each baseline line gives the <em>paired</em> ratio: the
 * median, over the rounds, of jpar's batch over the baseline's batch of the same round. The two batches of a round run
 * back to back, so a machine that turns slower or faster for a while (seen here: a C ping-pong at 0.23 µs in one run
 * and 0.55 µs in the next) moves both alike, and their ratio keeps only what differs between the contenders.
 */
final class AlternatingBatches {
    /** One contender: a name for its lines, and one batch of its operations. */
    record Contender(String who, Runnable batch) {
    }

    /** One contender's result: its batches' times per operation, in ns. */
    record Result(String who, double[] batches) {
        double best() {
            double b = Double.MAX_VALUE;
            for (double v : batches) {
                b = Math.min(b, v);
            }
            return b;
        }

        double median() {
            return Payloads.median(batches);
        }
    }

    private AlternatingBatches() {
    }

    /**
     * Seconds of untimed rounds at scale 1 (see {@link #run}): a stream of small collectives on the embedded engine
     * took about half a million calls (0.3 s) to reach its steady time (0.22 µs per 8-byte broadcast at 2 ranks, from
     * 0.4-0.8 µs before), and the native engine's 8-byte allreduce about two million; three batches of 20,000 left
     * jpar's figures 1.5-1.8x too slow against baselines that have no Java to compile.
     */
    static final double WARMUP_SECONDS = 2.0;

    /** The most untimed rounds, however short they are. */
    static final int MAX_WARMUP = 10_000;

    /**
     * @param warmup     untimed rounds first (the JIT needs them), at least; more until {@link #WARMUP_SECONDS} times
     *                   {@code scale} (at most 1) have passed at rank 0 (it tells the others after each round)
     * @param scale      the bench's factor on its iteration counts (a short test run warms up shortly)
     * @param batches    timed rounds
     * @param operations operations per batch (the divisor of a batch's time)
     * @return one result per contender, in order (jpar first by convention)
     */
    static List<Result> run(Communicator comm, int warmup, double scale, int batches, double operations,
            List<Contender> contenders) {
        int k = contenders.size();
        long warmupNanos = (long) (WARMUP_SECONDS * Math.min(1.0, scale) * 1e9);
        long warmStart = System.nanoTime();
        for (int w = 0; ; w++) {
            if (w >= warmup) {
                boolean more = comm.rank() == 0 && w < MAX_WARMUP && System.nanoTime() - warmStart < warmupNanos;
                if (!comm.broadcast(more, 0)) {
                    break;
                }
            }
            for (int i = 0; i < k; i++) {
                comm.barrier();
                contenders.get(i).batch().run();
            }
        }
        double[] times = new double[k * batches];
        for (int b = 0; b < batches; b++) {
            for (int i = 0; i < k; i++) {
                comm.barrier();
                long start = System.nanoTime();
                contenders.get(i).batch().run();
                long t = System.nanoTime() - start;
                times[i * batches + b] = t / operations;
            }
        }
        double[] slowest = comm.allreduce(times, (a, b) -> { // the object path: every engine has it
            double[] m = a.clone();
            for (int j = 0; j < m.length; j++) {
                m[j] = Math.max(m[j], b[j]);
            }
            return m;
        });
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            double[] mine = new double[batches];
            System.arraycopy(slowest, i * batches, mine, 0, batches);
            results.add(new Result(contenders.get(i).who(), mine));
        }
        return results;
    }

    /**
     * @return {@code best_us=B median_us=M}, and for a baseline (not the first result) jpar's ratio to it:
     *         {@code jpar_ratio_best=RB jpar_ratio_median=RM jpar_ratio_paired=RP} (jpar's time divided by the
     *         baseline's; RP the median of the rounds' ratios)
     */
    static String fields(List<Result> results, int i) {
        Result r = results.get(i);
        String s = String.format(Locale.ROOT, "best_us=%.3f median_us=%.3f", r.best() / 1e3, r.median() / 1e3);
        if (i > 0) {
            Result jpar = results.get(0);
            double[] pairs = new double[r.batches().length];
            for (int b = 0; b < pairs.length; b++) {
                pairs[b] = jpar.batches()[b] / r.batches()[b];
            }
            s += String.format(Locale.ROOT, " jpar_ratio_best=%.3f jpar_ratio_median=%.3f jpar_ratio_paired=%.3f",
                    jpar.best() / r.best(), jpar.median() / r.median(), Payloads.median(pairs));
        }
        return s;
    }
}
