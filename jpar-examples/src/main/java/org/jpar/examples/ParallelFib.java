package org.jpar.examples;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.jpar.job.Pool;

/**
 * The seed of jpar's job layer, Python's
 *
 * <pre>
 * pool = multiprocessing.Pool()
 * print(pool.map(fib, [38, 37, 36, 35, 34, 33]))
 * </pre>
 *
 * in Java: prints {@code [39088169, 24157817, 14930352, 9227465, 5702887, 3524578]} (from a first run that also warms
 * up the JIT on every worker), then the parallel time, the time of the same calls one after the other in this
 * process (each the median of 3 runs), and the speedup. Arguments replace the inputs.
 *
 * <pre>
 * mpirun-scripts/jpar run -np 2 org.jpar.examples.ParallelFib
 * java -cp target/jpar.jar org.jpar.examples.ParallelFib 40 39
 * </pre>
 */
public final class ParallelFib {
    private static final int RUNS = 3;

    private ParallelFib() {
    }

    /** The deliberately slow recursive Fibonacci of the Python original. */
    public static long fib(int n) {
        return n < 2 ? n : fib(n - 1) + fib(n - 2);
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }

    public static void main(String[] args) {
        List<Integer> inputs = new ArrayList<>();
        for (String a : args) {
            inputs.add(Integer.parseInt(a));
        }
        if (inputs.isEmpty()) {
            inputs.addAll(List.of(38, 37, 36, 35, 34, 33));
        }
        try (Pool pool = new Pool()) {
            if (pool.isMaster()) {
                // warm-up: one untimed run, so that every worker's JIT has compiled fib before the timing
                List<Long> results = pool.map(ParallelFib::fib, inputs);
                System.out.println(results);

                double[] parallel = new double[RUNS];
                double[] sequential = new double[RUNS];
                for (int r = 0; r < RUNS; r++) {
                    long start = System.nanoTime();
                    List<Long> again = pool.map(ParallelFib::fib, inputs);
                    parallel[r] = (System.nanoTime() - start) / 1e9;
                    start = System.nanoTime();
                    List<Long> one = new ArrayList<>();
                    for (int n : inputs) {
                        one.add(fib(n));
                    }
                    sequential[r] = (System.nanoTime() - start) / 1e9;
                    if (!again.equals(results) || !one.equals(results)) {
                        throw new IllegalStateException("runs disagree: " + results + ", " + again + ", " + one);
                    }
                }
                double par = median(parallel);
                double seq = median(sequential);
                System.out.printf(Locale.ROOT, "Parallel time: %.3f s with %d workers (median of %d runs)%n", par,
                        pool.workers(), RUNS);
                System.out.printf(Locale.ROOT, "Sequential time: %.3f s (median of %d runs)%n", seq, RUNS);
                System.out.printf(Locale.ROOT, "Speedup: %.2fx%n", seq / par);
            }
        }
    }
}
