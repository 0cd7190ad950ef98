package org.jpar.examples;

import java.util.ArrayList;
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
 * in Java: prints {@code [39088169, 24157817, 14930352, 9227465, 5702887, 3524578]}, then the parallel time, the
 * time of the same calls one after the other in this process, and the speedup. Arguments replace the inputs.
 *
 * <pre>
 * mpirun-scripts/jpar run -np 2 org.jpar.examples.ParallelFib
 * java -cp target/jpar.jar org.jpar.examples.ParallelFib 40 39
 * </pre>
 */
public final class ParallelFib {
    private ParallelFib() {
    }

    /** The deliberately slow recursive Fibonacci of the Python original. */
    public static long fib(int n) {
        return n < 2 ? n : fib(n - 1) + fib(n - 2);
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
                // warm-up: the JIT compiles fib, and the codecs their encoders, on every worker and here
                List<Integer> warmUp = new ArrayList<>();
                for (int i = 0; i < 4 * pool.workers(); i++) {
                    warmUp.add(24);
                }
                pool.map(ParallelFib::fib, warmUp);
                warmUp.forEach(ParallelFib::fib);

                long start = System.nanoTime();
                List<Long> results = pool.map(ParallelFib::fib, inputs);
                double parallel = (System.nanoTime() - start) / 1e9;
                System.out.println(results);

                start = System.nanoTime();
                List<Long> sequential = new ArrayList<>();
                for (int n : inputs) {
                    sequential.add(fib(n));
                }
                double seq = (System.nanoTime() - start) / 1e9;
                if (!sequential.equals(results)) {
                    throw new IllegalStateException("the sequential run gave " + sequential + ", the pool " + results);
                }
                System.out.printf(Locale.ROOT, "Parallel time: %.3f s with %d workers%n", parallel, pool.workers());
                System.out.printf(Locale.ROOT, "Sequential time: %.3f s%n", seq);
                System.out.printf(Locale.ROOT, "Speedup: %.2fx%n", seq / parallel);
            }
        }
    }
}
