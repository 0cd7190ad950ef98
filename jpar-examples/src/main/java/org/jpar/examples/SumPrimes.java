package org.jpar.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jpar.job.Job;
import org.jpar.job.JobServer;

/**
 * Parallel Python's {@code sum_primes.py} in Java: a job server sums the primes below 100 and below 100000, 100100,
 * ..., 100700, then prints pp's execution statistics. The optional argument is pp's {@code ncpus}: the master's own
 * worker threads (default: one per core when alone, else 1, next to the other ranks).
 *
 * <pre>
 * mpirun-scripts/jpar run -np 2 org.jpar.examples.SumPrimes
 * java -cp target/jpar.jar org.jpar.examples.SumPrimes 4
 * </pre>
 */
public final class SumPrimes {
    private SumPrimes() {
    }

    /** pp's {@code isprime}: trial division up to the square root. */
    public static boolean isPrime(int n) {
        if (n < 2) {
            return false;
        }
        if (n == 2) {
            return true;
        }
        int max = (int) Math.ceil(Math.sqrt(n));
        for (int i = 2; i <= max; i++) {
            if (n % i == 0) {
                return false;
            }
        }
        return true;
    }

    /** pp's {@code sum_primes}: the sum of all primes below {@code n}. */
    public static long sumPrimes(int n) {
        long sum = 0;
        for (int x = 2; x < n; x++) {
            if (isPrime(x)) {
                sum += x;
            }
        }
        return sum;
    }

    public static void main(String[] args) {
        try (JobServer server = new JobServer()) {
            if (server.isMaster()) {
                if (args.length > 0) {
                    server.setLocalWorkers(Integer.parseInt(args[0]));
                }
                System.out.println("Starting jpar with " + server.workers() + " workers");

                Job<Long> job1 = server.submit(SumPrimes::sumPrimes, 100);
                System.out.println("Sum of primes below 100 is " + job1.get());

                long start = System.nanoTime();
                int[] inputs = {100000, 100100, 100200, 100300, 100400, 100500, 100600, 100700};
                List<Job<Long>> jobs = new ArrayList<>();
                for (int input : inputs) {
                    jobs.add(server.submit(SumPrimes::sumPrimes, input));
                }
                for (int i = 0; i < inputs.length; i++) {
                    System.out.println("Sum of primes below " + inputs[i] + " is " + jobs.get(i).get());
                }
                System.out.printf(Locale.ROOT, "Time elapsed: %.4f s%n", (System.nanoTime() - start) / 1e9);
                server.printStats();
            }
        }
    }
}
