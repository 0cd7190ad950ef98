package org.jpar.job;

import static org.assertj.core.api.Assertions.assertThat;

import org.jpar.Communicator;
import org.jpar.junit.Ranks;
import org.junit.jupiter.api.Timeout;

/**
 * Once a job's result is there, the job is not active in the statistics, though the worker that completed it is
 * still busy with it (here: running a slow {@code onDone} callback, after the waiting caller was woken).
 */
@Timeout(120)
class JobStatsActiveTest {
    @Ranks({1, 2})
    void aJobWhoseResultIsThereIsNotActive(Communicator world) {
        try (Pool pool = new Pool(JobSettings.defaults().communicator(world))) {
            if (pool.isMaster()) {
                for (int round = 0; round < 3; round++) {
                    Job<Integer> job = pool.applyAsync(x -> {
                        Thread.sleep(300); // so that the callback is registered before the job completes
                        return x + 1;
                    }, round);
                    job.onDone(v -> {
                        try {
                            Thread.sleep(1000);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                    assertThat(job.get()).isEqualTo(round + 1);
                    JobStats s = pool.stats();
                    assertThat(s.activeJobs()).as("round " + round + ": " + s).isZero();
                }
            }
        }
    }
}
