package org.jpar.programs.jobs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.jpar.Par;
import org.jpar.examples.SumPrimes;
import org.jpar.job.Job;
import org.jpar.job.JobServer;
import org.jpar.job.JobSettings;
import org.jpar.job.JobStats;

/**
 * 24 sum_primes jobs with a journal, for the journal's integration tests. Arguments: {@code JOURNAL MODE}, where MODE
 * is {@code ok} (run normally) or {@code lose1} (rank 1 fails, without ever serving, once the master has journaled a
 * few results). With the environment
 * variable {@code JOURNAL_RUN_CRASH=halt}, the process that runs job 12 dies at once, as a node that fails (an
 * environment variable, not an argument of the jobs: the jobs must be the same in the run that crashes and in the
 * rerun). The master prints {@code jobs: 24, from the journal: M, run now: K} and {@code sum: S}.
 */
public final class JournalRun {
    private JournalRun() {
    }

    public static void main(String[] args) throws Exception {
        Path journal = Path.of(args[0]);
        String mode = args[1];
        if (mode.equals("lose1") && Par.rank() == 1) {
            // fails once the master has journaled a few results (a 24-byte header, about 86 bytes each), without ever
            // serving
            long deadline = System.nanoTime() + 30_000_000_000L;
            while ((!Files.exists(journal) || Files.size(journal) < 24 + 3 * 80) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            throw new IllegalStateException("rank 1 lost");
        }
        // lose1: rank 1 never joins; the master does not wait long for it
        JobSettings settings = JobSettings.defaults().journal(journal);
        if (mode.equals("lose1")) {
            settings = settings.joinTimeout(Duration.ofMillis(200));
        }
        try (JobServer server = new JobServer(settings)) {
            if (server.isMaster()) {
                List<Job<Long>> jobs = new ArrayList<>();
                for (int i = 0; i < 24; i++) {
                    jobs.add(server.submit(n -> {
                        if (n == 200_012 && "halt".equals(System.getenv("JOURNAL_RUN_CRASH"))) {
                            Runtime.getRuntime().halt(3);
                        }
                        return SumPrimes.sumPrimes(n);
                    }, 200_000 + i));
                }
                long sum = 0;
                for (Job<Long> j : jobs) {
                    sum += j.get();
                }
                JobStats stats = server.stats();
                long kept = stats.workers().stream().filter(w -> w.name().equals("journal"))
                        .mapToLong(JobStats.Worker::jobs).sum();
                System.out.println("jobs: " + stats.jobs() + ", from the journal: " + kept + ", run now: "
                        + (stats.jobs() - kept));
                System.out.println("sum: " + sum);
            }
        }
    }
}
