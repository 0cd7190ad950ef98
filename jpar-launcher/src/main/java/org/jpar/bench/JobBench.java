package org.jpar.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.jpar.Communicator;
import org.jpar.Par;
import org.jpar.examples.ParallelFib;
import org.jpar.examples.SumPrimes;
import org.jpar.job.Job;
import org.jpar.job.JobServer;
import org.jpar.job.Pool;

/**
 * The job layer's benchmarks ({@code jpar bench jobs}), an SPMD program like the others: rank 0 measures, the other
 * ranks serve. Rank 0 prints one line per benchmark, {@code jpar-<engine> jobs <name> key=value...}:
 * <ul>
 *   <li>{@code fib}: the seed, {@code Pool.map(fib, [38, 37, 36, 35, 34, 33])}, against the same calls one after the
 *       other (speedup) and against a plain {@link ExecutorService} with as many threads as the pool has workers, in
 *       this process (ratio; on the embedded engine, the cost of going through ranks and messages);</li>
 *   <li>{@code tiny}: 100,000 tasks {@code x -> x + 1} through {@code Pool.map} (automatic and chunked), through
 *       {@code JobServer.submit} one by one, and through an {@link ExecutorService}: tasks per second;</li>
 *   <li>{@code makespan}: 64 {@code sum_primes} jobs of random sizes (seeded) through {@code JobServer.submit}: wall
 *       time against the lower bound {@code max(total / workers, longest job)}, from the job times measured on the
 *       workers.</li>
 * </ul>
 * Timings after a warm-up; {@code fib} and {@code tiny} report the median of 5 repetitions. Arguments:
 * {@code [scale]}, a factor on the tiny task count and the repetitions (default 1).
 */
public final class JobBench {
    private static final List<Integer> SEED = List.of(38, 37, 36, 35, 34, 33);
    private static final int REPS = 5;

    private JobBench() {
    }

    /** @param args {@code [scale]} */
    public static void main(String[] args) throws Exception {
        double scale = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        Communicator world = Par.world();
        String who = "jpar-" + world.engine();
        try (Pool pool = new Pool()) {
            if (pool.isMaster()) {
                fibBench(who, pool, world.size(), scale);
                tinyPool(who, pool, scale);
            }
        }
        try (JobServer server = new JobServer()) {
            if (server.isMaster()) {
                tinyServer(who, server, scale);
                makespan(who, server);
            }
        }
        world.barrier();
        Par.finish();
    }

    private static void fibBench(String who, Pool pool, int ranks, double scale) throws Exception {
        int workers = pool.workers();
        int reps = Math.max(1, (int) Math.round(REPS * scale));
        List<Integer> warm = new ArrayList<>();
        for (int i = 0; i < 8 * workers; i++) {
            warm.add(27);
        }
        pool.map(ParallelFib::fib, warm);
        warm.forEach(ParallelFib::fib);
        ExecutorService ex = Executors.newFixedThreadPool(workers);
        try {
            executorMap(ex, warm);
            double[] seq = new double[reps];
            double[] par = new double[reps];
            double[] exe = new double[reps];
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                for (int n : SEED) {
                    ParallelFib.fib(n);
                }
                long t1 = System.nanoTime();
                List<Long> out = pool.map(ParallelFib::fib, SEED);
                long t2 = System.nanoTime();
                executorMap(ex, SEED);
                long t3 = System.nanoTime();
                if (out.get(0) != 39088169L) {
                    throw new IllegalStateException("fib(38) came back as " + out.get(0));
                }
                seq[r] = (t1 - t0) / 1e9;
                par[r] = (t2 - t1) / 1e9;
                exe[r] = (t3 - t2) / 1e9;
            }
            double s = median(seq);
            double p = median(par);
            double e = median(exe);
            System.out.println(String.format(Locale.ROOT, "%s jobs fib ranks=%d workers=%d sequential_s=%.3f pool_s=%.3f "
                    + "executor_s=%.3f speedup=%.2f pool_vs_executor=%.3f", who, ranks, workers, s, p, e, s / p, p / e));
        } finally {
            ex.shutdown();
        }
    }

    private static List<Long> executorMap(ExecutorService ex, List<Integer> inputs)
            throws InterruptedException, ExecutionException {
        List<Future<Long>> fs = new ArrayList<>(inputs.size());
        for (int n : inputs) {
            fs.add(ex.submit(() -> ParallelFib.fib(n)));
        }
        List<Long> out = new ArrayList<>(fs.size());
        for (Future<Long> f : fs) {
            out.add(f.get());
        }
        return out;
    }

    private static List<Integer> tinyInputs(double scale) {
        int n = Math.max(1000, (int) Math.round(100_000 * scale));
        List<Integer> in = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            in.add(i);
        }
        return in;
    }

    private static void tinyPool(String who, Pool pool, double scale) throws Exception {
        List<Integer> in = tinyInputs(scale);
        int workers = pool.workers();
        int chunk = Math.max(1, in.size() / (4 * workers));
        double auto = timeMedian(() -> check(pool.map(x -> x + 1, in), in));
        double chunked = timeMedian(() -> check(pool.map(x -> x + 1, in, chunk), in));
        ExecutorService ex = Executors.newFixedThreadPool(workers);
        double exe;
        try {
            exe = timeMedian(() -> {
                List<Future<Integer>> fs = new ArrayList<>(in.size());
                for (int x : in) {
                    fs.add(ex.submit(() -> x + 1));
                }
                List<Integer> out = new ArrayList<>(fs.size());
                for (Future<Integer> f : fs) {
                    out.add(f.get());
                }
                check(out, in);
            });
        } finally {
            ex.shutdown();
        }
        System.out.println(String.format(Locale.ROOT, "%s jobs tiny tasks=%d workers=%d pool_map_per_s=%.0f "
                + "pool_map_chunk%d_per_s=%.0f executor_per_s=%.0f", who, in.size(), workers, in.size() / auto, chunk,
                in.size() / chunked, in.size() / exe));
    }

    private static void tinyServer(String who, JobServer server, double scale) throws Exception {
        List<Integer> in = tinyInputs(scale);
        double t = timeMedian(() -> {
            List<Job<Integer>> jobs = new ArrayList<>(in.size());
            for (int x : in) {
                jobs.add(server.submit(y -> y + 1, x));
            }
            List<Integer> out = new ArrayList<>(jobs.size());
            for (Job<Integer> j : jobs) {
                out.add(j.get());
            }
            check(out, in);
        });
        System.out.println(String.format(Locale.ROOT, "%s jobs tiny tasks=%d workers=%d jobserver_submit_per_s=%.0f",
                who, in.size(), server.workers(), in.size() / t));
    }

    private static void makespan(String who, JobServer server) {
        Random rnd = new Random(42);
        int[] sizes = new int[64];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = 50_000 + rnd.nextInt(450_000);
        }
        for (int i = 0; i < 4 * server.workers(); i++) {
            server.submit(SumPrimes::sumPrimes, 20_000);
        }
        server.await();
        List<Job<Long>> jobs = new ArrayList<>();
        long start = System.nanoTime();
        for (int n : sizes) {
            jobs.add(server.submit(SumPrimes::sumPrimes, n));
        }
        for (Job<Long> j : jobs) {
            j.get();
        }
        double wall = (System.nanoTime() - start) / 1e9;
        double total = 0;
        double longest = 0;
        for (Job<Long> j : jobs) {
            double s = j.time().toNanos() / 1e9;
            total += s;
            longest = Math.max(longest, s);
        }
        int workers = server.workers();
        double bound = Math.max(total / workers, longest);
        System.out.println(String.format(Locale.ROOT, "%s jobs makespan jobs=%d workers=%d makespan_s=%.3f "
                + "total_job_s=%.3f longest_job_s=%.3f bound_s=%.3f ratio=%.3f", who, sizes.length, workers, wall,
                total, longest, bound, wall / bound));
    }

    private interface Timed {
        void run() throws Exception;
    }

    private static double timeMedian(Timed body) throws Exception {
        body.run(); // warm-up
        double[] t = new double[REPS];
        for (int r = 0; r < REPS; r++) {
            long start = System.nanoTime();
            body.run();
            t[r] = (System.nanoTime() - start) / 1e9;
        }
        return median(t);
    }

    private static void check(List<Integer> out, List<Integer> in) {
        if (out.size() != in.size() || out.get(out.size() - 1).intValue() != in.get(in.size() - 1) + 1) {
            throw new IllegalStateException("wrong results: " + out.size() + " of " + in.size());
        }
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
