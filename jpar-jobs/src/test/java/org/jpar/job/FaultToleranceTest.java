package org.jpar.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import org.jpar.Communicator;
import org.jpar.JobAbortedException;
import org.jpar.Par;
import org.jpar.engine.threads.ThreadsEngine;
import org.jpar.junit.Ranks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Workers that die lose nothing; a lost rank ends the run; the journal lets a rerun finish only what is missing. */
@Timeout(120)
class FaultToleranceTest {
    private static final AtomicBoolean KILLED = new AtomicBoolean();
    private static final AtomicIntegerArray LEFT = new AtomicIntegerArray(8);
    private static final Map<Integer, AtomicInteger> RUNS = new ConcurrentHashMap<>();

    @Test
    void aLocalWorkerThatDiesHasItsJobRescheduledOnTheOthers() {
        KILLED.set(false);
        try (JobServer server = JobServer.local(2)) {
            List<Job<Integer>> jobs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                jobs.add(server.submit(x -> {
                    Thread.sleep(5);
                    if (x == 7 && KILLED.compareAndSet(false, true)) {
                        throw new InternalError("simulated crash");
                    }
                    return 2 * x;
                }, i));
            }
            for (int i = 0; i < 20; i++) {
                assertThat(jobs.get(i).get()).isEqualTo(2 * i);
            }
            assertThat(KILLED).isTrue();
            JobStats stats = server.stats();
            List<JobStats.Worker> dead = stats.workers().stream().filter(JobStats.Worker::died).toList();
            assertThat(dead).hasSize(1);
            assertThat(dead.get(0).death()).isEqualTo("java.lang.InternalError: simulated crash");
            assertThat(jobs.get(7).worker()).isNotEqualTo(dead.get(0).name());
            assertThat(stats.jobs()).isEqualTo(20);
            assertThat(stats.failed()).isZero();
            assertThat(server.workers()).as("the dead thread was replaced").isEqualTo(2);
            assertThat(stats.workers()).hasSize(3);
        }
    }

    @Ranks(3)
    void aRankThatDiesHasItsJobsRescheduledOnTheOthers(Communicator world) {
        LEFT.set(world.rank(), 0);
        try (JobServer server = new JobServer(JobSettings.defaults().communicator(world).localWorkers(0))) {
            if (server.isMaster()) {
                List<Job<Integer>> jobs = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    jobs.add(server.submit(x -> {
                        Thread.sleep(5);
                        if (Par.rank() == 2 && x >= 5) {
                            throw new OutOfMemoryError("simulated");
                        }
                        return x + 100;
                    }, i));
                }
                for (int i = 0; i < 30; i++) {
                    assertThat(jobs.get(i).get()).isEqualTo(i + 100);
                }
                JobStats stats = server.stats();
                JobStats.Worker two = stats.workers().stream().filter(w -> w.name().equals("rank 2")).findFirst()
                        .orElseThrow();
                assertThat(two.death()).isEqualTo("java.lang.OutOfMemoryError: simulated");
                assertThat(stats.jobs()).isEqualTo(30);
                assertThat(server.workers()).isEqualTo(1);
                assertThat(jobs).filteredOn(j -> j.worker().equals("rank 2")).allMatch(j -> j.get() < 105);
            }
        }
        // every rank goes on with its program, the one that died included
        LEFT.set(world.rank(), 1);
        world.barrier();
        assertThat(LEFT.get(0) + LEFT.get(1) + LEFT.get(2)).isEqualTo(3);
    }

    @Test
    void aJobThatKillsEveryWorkerThatRunsItIsGivenUp() {
        try (JobServer server = JobServer.local(2, JobSettings.defaults().maxAttempts(3))) {
            Job<Integer> poison = server.submit(() -> {
                throw new InternalError("always");
            });
            Job<Integer> fine = server.submit(() -> 1);
            assertThatThrownBy(poison::get).isInstanceOf(JobFailedException.class).hasMessageMatching(
                    "job 1 was given up after 3 attempts: every worker that ran it died \\(the last, thread \\d: "
                            + "java.lang.InternalError: always\\)")
                    .hasCauseInstanceOf(InternalError.class);
            assertThat(fine.get()).isEqualTo(1);
            assertThat(server.workers()).isEqualTo(2);
            assertThat(server.stats().workers().stream().filter(JobStats.Worker::died)).hasSize(3);
            assertThat(server.submit(() -> 2).get()).isEqualTo(2);
        }
    }

    static int deep(int n) {
        return deep(n + 1) + 1;
    }

    @Ranks({1, 2})
    void errorsThatAreNotFatalFailTheJobOnly(Communicator world) {
        JobSettings s = JobSettings.defaults().communicator(world);
        try (JobServer server = new JobServer(world.size() > 1 ? s.localWorkers(0) : s.localWorkers(1))) {
            if (server.isMaster()) {
                Job<Integer> assertion = server.submit(() -> {
                    throw new AssertionError("expected 1");
                });
                Job<Integer> overflow = server.submit(() -> deep(0));
                assertThatThrownBy(assertion::get).isInstanceOf(JobFailedException.class)
                        .hasCauseInstanceOf(AssertionError.class).hasMessageEndingWith("java.lang.AssertionError: expected 1");
                assertThatThrownBy(overflow::get).isInstanceOf(JobFailedException.class)
                        .hasCauseInstanceOf(StackOverflowError.class);
                assertThat(server.submit(() -> 3).get()).isEqualTo(3);
                assertThat(server.stats().workers()).noneMatch(JobStats.Worker::died);
                assertThat(server.stats().failed()).isEqualTo(2);
            }
        }
    }

    static int square(int x) throws InterruptedException {
        RUNS.computeIfAbsent(x, k -> new AtomicInteger()).incrementAndGet();
        Thread.sleep(20);
        return x * x;
    }

    @Test
    void aLostRankEndsTheRunAndTheJournalLetsARerunFinishOnlyWhatIsMissing(@TempDir Path dir) {
        Path journal = dir.resolve("run.journal");
        RUNS.clear();
        Throwable lost = catchThrowable(() -> ThreadsEngine.run(2, world -> {
            if (world.rank() == 1) {
                // fails, without ever serving, once the master has done a few jobs
                while (RUNS.size() < 5) {
                    Thread.sleep(1);
                }
                throw new IllegalStateException("rank 1 lost");
            }
            try (JobServer server = new JobServer(JobSettings.defaults().communicator(world).localWorkers(1)
                    .journal(journal).joinTimeout(Duration.ofMillis(100)))) {
                List<Job<Integer>> jobs = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    jobs.add(server.submit(FaultToleranceTest::square, i));
                }
                for (Job<Integer> j : jobs) {
                    j.get();
                }
            }
        }));
        assertThat(lost).isInstanceOf(IllegalStateException.class).hasMessage("rank 1 lost");
        int firstRun = RUNS.size();
        assertThat(firstRun).as("some jobs ran before rank 1 was lost, not all").isBetween(5, 39);
        Map<Integer, Integer> before = new ConcurrentHashMap<>();
        RUNS.forEach((k, v) -> before.put(k, v.get()));

        RUNS.clear();
        ThreadsEngine.run(2, world -> {
            try (JobServer server = new JobServer(JobSettings.defaults().communicator(world).localWorkers(1)
                    .journal(journal))) {
                if (server.isMaster()) {
                    List<Job<Integer>> jobs = new ArrayList<>();
                    for (int i = 0; i < 40; i++) {
                        jobs.add(server.submit(FaultToleranceTest::square, i));
                    }
                    for (int i = 0; i < 40; i++) {
                        assertThat(jobs.get(i).get()).isEqualTo(i * i);
                    }
                    assertThat(jobs).filteredOn(j -> j.worker().equals("journal")).hasSize(firstRun);
                    assertThat(server.stats().workers()).anyMatch(w -> w.name().equals("journal")
                            && w.jobs() == firstRun);
                }
            }
        });
        for (int i = 0; i < 40; i++) {
            int runs = before.getOrDefault(i, 0) + (RUNS.containsKey(i) ? RUNS.get(i).get() : 0);
            assertThat(runs).as("input " + i + " ran once over both runs").isEqualTo(1);
        }
    }

    @Test
    void jobsWaitingWhenTheRunIsAbortedFailWithTheLostRank() {
        // rank 1 never serves and fails: the master's unfinished job fails with JobAbortedException naming it
        AtomicReference<Throwable> joined = new AtomicReference<>();
        AtomicReference<Throwable> closed = new AtomicReference<>();
        CountDownLatch submitted = new CountDownLatch(1);
        Throwable lost = catchThrowable(() -> ThreadsEngine.run(2, world -> {
            if (world.rank() == 1) {
                submitted.await();
                throw new IllegalStateException("rank 1 gives up");
            }
            JobServer server = new JobServer(JobSettings.defaults().communicator(world).localWorkers(0)
                    .joinTimeout(Duration.ofMillis(100)));
            Job<Integer> job = server.submit(() -> 1);
            submitted.countDown();
            joined.set(catchThrowable(() -> job.future().join()));
            closed.set(catchThrowable(server::close));
        }));
        assertThat(lost).hasMessage("rank 1 gives up");
        assertThat(joined.get()).hasCauseInstanceOf(JobAbortedException.class);
        assertThat(((JobAbortedException) joined.get().getCause()).failedRank()).isEqualTo(1);
        assertThat(closed.get()).isInstanceOf(JobAbortedException.class)
                .hasMessage("the job was aborted because rank 1 failed: java.lang.IllegalStateException: rank 1 gives up");
    }
}
