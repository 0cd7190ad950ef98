package org.jpar.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;

import org.jpar.launcher.Jpar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The demos through the real launcher script, as a user runs them: on the threads engine (each rank with its own
 * class loader, so tasks are rebuilt in another loader than the one that sent them), with plain {@code java}, and on
 * Open MPI when this build has that engine.
 */
class JobDemosIT {
    static final String FIBS = "[39088169, 24157817, 14930352, 9227465, 5702887, 3524578]";
    static final List<String> PRIMES = List.of(
            "Sum of primes below 100 is 1060",
            "Sum of primes below 100000 is 454396537",
            "Sum of primes below 100100 is 454996777",
            "Sum of primes below 100200 is 455898156",
            "Sum of primes below 100300 is 456700218",
            "Sum of primes below 100400 is 457603451",
            "Sum of primes below 100500 is 458407033",
            "Sum of primes below 100600 is 459412387",
            "Sum of primes below 100700 is 460217613");

    private static Boolean openMpi;

    /** @return true if this build runs {@code --engine openmpi} (an error other than "not available" counts as yes) */
    static synchronized boolean openMpiAvailable() throws Exception {
        if (openMpi == null) {
            Jpar.Result r = Jpar.run(120, "run", "--engine", "openmpi", "-np", "2", "org.jpar.examples.Ring");
            openMpi = !(r.exitCode() == 2 && String.join("\n", r.err()).contains("is not available"));
        }
        return openMpi;
    }

    static void assertFib(Jpar.Result r, int workers) {
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).hasSize(4);
        assertThat(r.out().get(0)).isEqualTo(FIBS);
        assertThat(r.out().get(1)).matches("Parallel time: \\d+\\.\\d{3} s with " + workers
                + " workers \\(median of 3 runs\\)");
        assertThat(r.out().get(2)).matches("Sequential time: \\d+\\.\\d{3} s \\(median of 3 runs\\)");
        assertThat(r.out().get(3)).matches("Speedup: \\d+\\.\\d\\dx");
    }

    static void assertSumPrimes(Jpar.Result r, int workers, List<String> workerRows) {
        assertThat(r.exitCode()).as(r.toString()).isZero();
        List<String> out = r.out();
        assertThat(out.get(0)).isEqualTo("Starting jpar with " + workers + " workers");
        assertThat(out.subList(1, 10)).isEqualTo(PRIMES);
        assertThat(out.get(10)).matches("Time elapsed: \\d+\\.\\d{4} s");
        assertThat(out.get(11)).isEqualTo("Job execution statistics:");
        assertThat(out.get(12)).isEqualTo(" job count | % of all jobs | job time sum | time per job | job server");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < workerRows.size(); i++) {
            String row = out.get(13 + i);
            assertThat(row).matches(" +\\d+ \\| +\\d+\\.\\d\\d \\| +\\d+\\.\\d{4} \\| +\\d+\\.\\d{6} \\| .+");
            names.add(row.substring(row.lastIndexOf(" | ") + 3));
        }
        assertThat(names).isEqualTo(workerRows);
        int end = 13 + workerRows.size();
        assertThat(out.get(end)).matches("         9 \\|        100\\.00 \\| +\\d+\\.\\d{4} \\| +\\d+\\.\\d{6} \\| total");
        assertThat(out.get(end + 1)).matches("Time elapsed since server creation \\d+\\.\\d{4}");
        assertThat(out.get(end + 2)).isEqualTo("0 active tasks, " + workers + " workers");
        assertThat(out).hasSize(end + 3);
    }

    @Test
    void parallelFibOnTwoRanks() throws Exception {
        assertFib(Jpar.run(120, "run", "-np", "2", "org.jpar.examples.ParallelFib"), 2);
    }

    @ParameterizedTest(name = "ParallelFib 10 20 30 at {0} ranks")
    @ValueSource(ints = {1, 3, 4})
    void parallelFibArgumentsReplaceTheInputs(int ranks) throws Exception {
        Jpar.Result r = Jpar.run(120, "run", "-np", Integer.toString(ranks), "org.jpar.examples.ParallelFib",
                "10", "20", "30");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out().get(0)).isEqualTo("[55, 6765, 832040]");
    }

    @Test
    void sumPrimesOnTwoRanks() throws Exception {
        assertSumPrimes(Jpar.run(120, "run", "-np", "2", "org.jpar.examples.SumPrimes"), 2,
                List.of("rank 0 thread 1", "rank 1"));
    }

    @Test
    void sumPrimesOnFourRanksWithPpsNcpusArgument() throws Exception {
        assertSumPrimes(Jpar.run(120, "run", "-np", "4", "org.jpar.examples.SumPrimes", "2"), 5,
                List.of("rank 0 thread 1", "rank 1", "rank 2", "rank 3", "rank 0 thread 2"));
    }

    /** {@code java [options for JDK 24+] -cp target/jpar.jar MAIN}, with the JDK under test */
    private static List<String> plainJava(String main) {
        List<String> cmd = new ArrayList<>(Jpar.java());
        cmd.addAll(List.of("-cp", System.getProperty("jpar.jar"), main));
        return cmd;
    }

    @Test
    void sumPrimesWithPlainJava() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        List<String> rows = new ArrayList<>();
        for (int i = 1; i <= cores; i++) {
            rows.add("thread " + i);
        }
        assertSumPrimes(Jpar.exec(plainJava("org.jpar.examples.SumPrimes"), 120), cores, rows);
    }

    @Test
    void parallelFibWithPlainJava() throws Exception {
        assertFib(Jpar.exec(plainJava("org.jpar.examples.ParallelFib"), 120),
                Runtime.getRuntime().availableProcessors());
    }

    @Test
    void parallelFibOnOpenMpi() throws Exception {
        assumeTrue(openMpiAvailable(), "this build has no --engine openmpi yet");
        assertFib(Jpar.run(180, "run", "--engine", "openmpi", "-np", "2", "org.jpar.examples.ParallelFib"), 2);
    }

    @Test
    void sumPrimesOnOpenMpi() throws Exception {
        assumeTrue(openMpiAvailable(), "this build has no --engine openmpi yet");
        assertSumPrimes(Jpar.run(180, "run", "--engine", "openmpi", "-np", "2", "org.jpar.examples.SumPrimes"), 2,
                List.of("rank 0 thread 1", "rank 1"));
    }
}
