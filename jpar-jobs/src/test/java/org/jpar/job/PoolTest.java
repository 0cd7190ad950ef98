package org.jpar.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.jpar.Communicator;
import org.jpar.JparException;
import org.jpar.Par;
import org.jpar.junit.Ranks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** multiprocessing's Pool: map in input order, unordered, chunks, apply; at 1 to 4 ranks and as a local pool. */
@Timeout(120)
class PoolTest {
    private static List<Integer> upTo(int n) {
        return IntStream.range(0, n).boxed().collect(Collectors.toList());
    }

    /** Squares, after a random pause so that results finish out of order. */
    static int jitterSquare(int x) throws InterruptedException {
        Thread.sleep(ThreadLocalRandom.current().nextInt(3));
        return x * x;
    }

    private static List<Integer> squares(int n) {
        return upTo(n).stream().map(x -> x * x).collect(Collectors.toList());
    }

    @Ranks({1, 2, 3, 4})
    void mapGivesResultsInInputOrder(Communicator world) {
        try (Pool pool = new Pool(JobSettings.defaults().communicator(world))) {
            if (pool.isMaster()) {
                assertThat(pool.map(PoolTest::jitterSquare, upTo(200))).isEqualTo(squares(200));
                assertThat(pool.map(x -> "v" + x, List.of(3, 1, 2))).containsExactly("v3", "v1", "v2");
                assertThat(pool.map(x -> x, List.<Integer>of())).isEmpty();
            }
        }
    }

    @Ranks({1, 2, 3, 4})
    void mapWithChunkSizesGivesTheSameResults(Communicator world) {
        try (Pool pool = new Pool(JobSettings.defaults().communicator(world))) {
            if (pool.isMaster()) {
                for (int chunk : new int[] {1, 2, 7, 100, 1000}) {
                    assertThat(pool.map(PoolTest::jitterSquare, upTo(100), chunk)).as("chunk " + chunk)
                            .isEqualTo(squares(100));
                }
                assertThatThrownBy(() -> pool.map(x -> x, upTo(3), -1)).isInstanceOf(JparException.class)
                        .hasMessage("map: chunk size -1 is out of range: 1 or more (or 0 for automatic)");
            }
        }
    }

    @Ranks({1, 2, 3})
    void mapUnorderedYieldsEveryResultOnceAsTheyFinish(Communicator world) {
        try (Pool pool = new Pool(JobSettings.defaults().communicator(world))) {
            if (pool.isMaster()) {
                List<Integer> got = pool.mapUnordered(PoolTest::jitterSquare, upTo(100)).collect(Collectors.toList());
                assertThat(got).containsExactlyInAnyOrderElementsOf(squares(100));
                List<Integer> chunked = pool.mapUnordered(PoolTest::jitterSquare, upTo(100), 9)
                        .collect(Collectors.toList());
                assertThat(chunked).containsExactlyInAnyOrderElementsOf(squares(100));
            }
        }
    }

    @Test
    void mapUnorderedGivesTheFastestFirst() {
        try (Pool pool = Pool.local(2)) {
            List<Integer> order = pool.mapUnordered(ms -> {
                Thread.sleep(ms);
                return ms;
            }, List.of(600, 10)).collect(Collectors.toList());
            assertThat(order).containsExactly(10, 600);
        }
    }

    @Ranks({1, 2, 3})
    void applyAndApplyAsync(Communicator world) {
        try (Pool pool = new Pool(JobSettings.defaults().communicator(world))) {
            if (pool.isMaster()) {
                String hi = pool.apply(s -> s + "!", "hi");
                assertThat(hi).isEqualTo("hi!");
                Job<Integer> job = pool.applyAsync(String::length, "four");
                assertThat(job.get()).isEqualTo(4);
                assertThat(job.isDone()).isTrue();
                assertThat(job.worker()).matches("rank \\d+|(rank 0 )?thread \\d+");
            }
        }
    }

    @Ranks({2, 3})
    void aTaskThatThrowsFailsItsInputWithTheRemoteStackTraceAndThePoolCarriesOn(Communicator world) {
        try (Pool pool = new Pool(JobSettings.defaults().communicator(world).localWorkers(0))) {
            if (pool.isMaster()) {
                List<Integer> inputs = upTo(6);
                assertThatThrownBy(() -> pool.map(x -> {
                    if (x == 3) {
                        throw new IllegalStateException("boom at " + x + " on rank " + Par.rank());
                    }
                    return x;
                }, inputs)).isInstanceOfSatisfying(JobFailedException.class, e -> {
                    assertThat(e.getMessage()).matches("job \\d+ \\(map input 3\\) failed on rank [1-9]: "
                            + "java.lang.IllegalStateException: boom at 3 on rank [1-9]");
                    assertThat(e.worker()).matches("rank [1-9]");
                    assertThat(e.getMessage()).endsWith("on rank " + e.worker().substring(5));
                    assertThat(e.getCause()).isInstanceOf(IllegalStateException.class);
                    // the remote stack trace: the task's own frame, then where jpar called it; nothing below
                    StackTraceElement[] st = e.getCause().getStackTrace();
                    assertThat(st[0].getClassName()).isEqualTo(PoolTest.class.getName());
                    assertThat(st[0].getMethodName()).startsWith("lambda$");
                    assertThat(st[st.length - 1].getClassName()).startsWith("org.jpar.job.");
                    // and the submitter's stack (where map was called)
                    assertThat(e.getStackTrace()).anyMatch(f -> f.getMethodName().equals("map"));
                });
                // the pool carries on
                assertThat(pool.map(x -> x + 1, upTo(10))).isEqualTo(upTo(11).subList(1, 11));
                assertThat(pool.stats().failed()).isEqualTo(1);
            }
        }
    }

    @Test
    void aFailedInputCancelsTheInputsNotStarted() {
        try (Pool pool = Pool.local(1)) {
            assertThatThrownBy(() -> pool.map(x -> {
                if (x == 0) {
                    throw new IllegalArgumentException("first");
                }
                Thread.sleep(5);
                return x;
            }, upTo(50))).isInstanceOf(JobFailedException.class).hasMessageContaining("(map input 0)")
                    .hasMessageEndingWith("java.lang.IllegalArgumentException: first");
        }
    }

    @Test
    void theCancelledInputsNeverRun() {
        Pool pool = Pool.local(1);
        assertThatThrownBy(() -> pool.map(x -> {
            if (x == 0) {
                throw new IllegalArgumentException("first");
            }
            Thread.sleep(5);
            return x;
        }, upTo(50))).isInstanceOf(JobFailedException.class);
        pool.close();
        assertThat(pool.stats().jobs()).isLessThan(10);
    }

    @Ranks({2, 3})
    void onlyTheMasterSubmits(Communicator world) {
        Pool pool = new Pool(JobSettings.defaults().communicator(world));
        try {
            assertThat(pool.isMaster()).isEqualTo(world.rank() == 0);
        } finally {
            pool.close();
        }
        if (world.rank() != 0) {
            assertThatThrownBy(() -> pool.map(x -> x, upTo(3))).isInstanceOf(JparException.class)
                    .hasMessage("map: rank " + world.rank() + " served this Pool until the master closed it; only the "
                            + "master (rank 0) submits: put the code that uses the pool under if (pool.isMaster())");
            assertThat(pool.toString()).isEqualTo("Pool[rank " + world.rank() + ", served]");
        }
    }

    @Ranks({2, 4})
    void poolsCanFollowEachOtherOnOneCommunicator(Communicator world) {
        for (int round = 0; round < 5; round++) {
            try (Pool pool = new Pool(JobSettings.defaults().communicator(world).localWorkers(0))) {
                if (pool.isMaster()) {
                    int r = round;
                    assertThat(pool.map(x -> x + r, upTo(20))).first().isEqualTo(round);
                }
            }
        }
    }

    @Ranks(2)
    void aRankThatNeverCreatesThePoolGetsNoWorkInsteadOfHangingIt(Communicator world) {
        if (world.rank() == 1) {
            return; // a bug in an SPMD program: only rank 0 creates the pool
        }
        try (Pool pool = new Pool(JobSettings.defaults().communicator(world).joinTimeout(Duration.ofMillis(200)))) {
            assertThat(pool.map(PoolTest::jitterSquare, upTo(30))).isEqualTo(squares(30));
            assertThat(pool.stats().workers()).anyMatch(w -> w.name().equals("rank 1") && w.jobs() == 0);
        }
    }

    @Ranks(3)
    void aRankThatJoinsLateTakesWorkFromThen(Communicator world) throws InterruptedException {
        if (world.rank() == 2) {
            Thread.sleep(300);
        }
        try (Pool pool = new Pool(JobSettings.defaults().communicator(world).localWorkers(0)
                .joinTimeout(Duration.ofMillis(50)))) {
            if (pool.isMaster()) {
                assertThat(pool.map(x -> x + 1, upTo(5))).containsExactly(1, 2, 3, 4, 5);
                assertThat(pool.map(x -> {
                    Thread.sleep(50);
                    return Par.rank();
                }, upTo(30))).contains(1, 2);
            }
        }
    }

    @Ranks(3)
    void theMasterWaitsForEveryRankToServe(Communicator world) throws InterruptedException {
        if (world.rank() == 2) {
            Thread.sleep(300);
        }
        long start = System.nanoTime();
        try (Pool pool = new Pool(JobSettings.defaults().communicator(world).localWorkers(0))) {
            if (pool.isMaster()) {
                assertThat(System.nanoTime() - start).isGreaterThan(250_000_000L);
                // both ranks serve from the start: short tasks in parallel on both
                assertThat(pool.map(x -> {
                    Thread.sleep(30);
                    return Par.rank();
                }, upTo(8))).contains(1, 2);
            }
        }
    }

    @Ranks(2)
    void aSecondPoolWhileOneIsOpenIsAClearError(Communicator world) {
        try (Pool pool = new Pool(JobSettings.defaults().communicator(world))) {
            if (pool.isMaster()) {
                assertThatThrownBy(() -> new JobServer(JobSettings.defaults().communicator(world)))
                        .isInstanceOf(JparException.class).hasMessage("JobServer: a Pool or JobServer is already open "
                                + "on " + world + "; the other ranks serve one at a time: close it before creating "
                                + "another");
            }
        }
    }

    @Test
    void closedPoolRefusesWork() {
        Pool pool = Pool.local(2);
        pool.close();
        pool.close();
        assertThatThrownBy(() -> pool.apply(x -> x, 1)).isInstanceOf(JparException.class)
                .hasMessage("submit: this Pool is closed");
    }

    @Test
    void closeWaitsForEverySubmittedTask() {
        Job<Integer> job;
        try (Pool pool = Pool.local(1)) {
            job = pool.applyAsync(x -> {
                Thread.sleep(200);
                return x;
            }, 7);
        }
        assertThat(job.isDone()).isTrue();
        assertThat(job.get()).isEqualTo(7);
    }

    @Test
    void aFailedMapLeavesOtherJobsAlone() {
        try (Pool pool = Pool.local(1)) {
            Job<Integer> slow = pool.applyAsync(x -> {
                Thread.sleep(300);
                return x;
            }, 1);
            assertThatThrownBy(() -> pool.map(x -> {
                if (x == 0) {
                    throw new IllegalStateException("no");
                }
                return x;
            }, upTo(5))).isInstanceOf(JobFailedException.class);
            assertThat(slow.get()).isEqualTo(1);
            assertThat(pool.applyAsync(x -> x, 2).get()).isEqualTo(2);
        }
    }
}
