package org.jpar.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jpar.Communicator;
import org.jpar.JparException;
import org.jpar.Par;
import org.jpar.junit.Ranks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** pp's job server: submit and get, groups and wait, callbacks, workers at run time, statistics. */
@Timeout(120)
class JobServerTest {
    static long sumPrimes(int n) {
        long sum = 0;
        for (int x = 2; x < n; x++) {
            boolean prime = true;
            for (int i = 2; (long) i * i <= x; i++) {
                if (x % i == 0) {
                    prime = false;
                    break;
                }
            }
            if (prime) {
                sum += x;
            }
        }
        return sum;
    }

    @Ranks({1, 2, 3, 4})
    void submitThenGet(Communicator world) {
        try (JobServer server = new JobServer(JobSettings.defaults().communicator(world))) {
            if (server.isMaster()) {
                Job<Long> one = server.submit(JobServerTest::sumPrimes, 100);
                Job<String> none = server.submit(() -> "no arguments");
                int base = 10;
                Job<Integer> two = server.submit((a, b) -> a * b + base, 6, 7);
                assertThat(one.get()).isEqualTo(1060L);
                assertThat(none.get()).isEqualTo("no arguments");
                assertThat(two.get(Duration.ofSeconds(10))).isEqualTo(52);
                assertThat(List.of(one.id(), none.id(), two.id())).containsExactly(1L, 2L, 3L);
                assertThat(one.group()).isEqualTo("default");
                assertThat(one.toString()).matches("Job\\[job 1, group default, done on .+]");
            }
        }
    }

    @Ranks({1, 2, 3})
    void groupsAndWaitingOnThem(Communicator world) {
        try (JobServer server = new JobServer(JobSettings.defaults().communicator(world))) {
            if (server.isMaster()) {
                JobGroup slow = server.group("slow");
                JobGroup fast = server.group("fast");
                List<Job<Integer>> slowJobs = new ArrayList<>();
                List<Job<Integer>> fastJobs = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    int ms = 50;
                    slowJobs.add(slow.submit(x -> {
                        Thread.sleep(ms);
                        return x;
                    }, i));
                    fastJobs.add(fast.submit(x -> x, i));
                }
                fast.await();
                assertThat(fastJobs).allMatch(Job::isDone);
                server.await("slow");
                assertThat(slowJobs).allMatch(Job::isDone);
                assertThat(slowJobs.get(5).group()).isEqualTo("slow");
                server.await("no such group");
                server.await();
            }
        }
    }

    @Ranks({1, 2, 3})
    void callbacksRunBeforeAwaitReturns(Communicator world) {
        try (JobServer server = new JobServer(JobSettings.defaults().communicator(world))) {
            if (server.isMaster()) {
                AtomicInteger sum = new AtomicInteger();
                for (int i = 1; i <= 20; i++) {
                    server.group("g").submit(x -> x, i).onDone(sum::addAndGet);
                }
                server.await("g");
                assertThat(sum.get()).isEqualTo(210);
                // on a job already done, the callback runs at once
                Job<Integer> done = server.submit(x -> x, 5);
                done.get();
                AtomicInteger now = new AtomicInteger();
                done.onDone(now::set);
                assertThat(now.get()).isEqualTo(5);
            }
        }
    }

    @Test
    void aCallbackThatThrowsDoesNotHurtTheJob() {
        try (JobServer server = JobServer.local(1)) {
            Job<Integer> job = server.submit(x -> x, 3).onDone(x -> {
                throw new IllegalStateException("callback bug");
            });
            assertThat(job.get()).isEqualTo(3);
            assertThat(server.submit(x -> x + 1, 3).get()).isEqualTo(4);
        }
    }

    @Test
    void workersAreAutodetectedAndChangeableAtRunTime() throws Exception {
        try (JobServer server = new JobServer()) {
            assertThat(server.workers()).isEqualTo(Runtime.getRuntime().availableProcessors());
        }
        try (JobServer server = JobServer.local(1)) {
            assertThat(server.workers()).isEqualTo(1);
            server.setLocalWorkers(3);
            assertThat(server.localWorkers()).isEqualTo(3);
            assertThat(server.workers()).isEqualTo(3);
            // three jobs that can only finish together prove three threads run at once
            CountDownLatch together = new CountDownLatch(3);
            List<Job<Boolean>> jobs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                jobs.add(server.submit(() -> {
                    together.countDown();
                    return together.await(10, TimeUnit.SECONDS);
                }));
            }
            for (Job<Boolean> j : jobs) {
                assertThat(j.get()).isTrue();
            }
            server.setLocalWorkers(1);
            assertThat(server.workers()).isEqualTo(1);
            Set<String> names = ConcurrentHashMap.newKeySet();
            for (int i = 0; i < 20; i++) {
                server.submit(() -> names.add(Thread.currentThread().getName()));
            }
            server.await();
            assertThat(names).hasSize(1);
            assertThatThrownBy(() -> server.setLocalWorkers(0)).isInstanceOf(JparException.class)
                    .hasMessage("setWorkers(0) would leave no worker: no other rank serves this JobServer; keep at "
                            + "least 1 local worker");
            assertThatThrownBy(() -> server.setLocalWorkers(-1)).isInstanceOf(JparException.class)
                    .hasMessage("setWorkers -1 is out of range: 0..4096 local worker threads");
        }
    }

    @Ranks(3)
    void theMasterCanLeaveTheWorkToTheOtherRanks(Communicator world) {
        try (JobServer server = new JobServer(JobSettings.defaults().communicator(world).localWorkers(0))) {
            if (server.isMaster()) {
                assertThat(server.workers()).isEqualTo(2);
                List<Job<Integer>> jobs = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    jobs.add(server.submit(x -> Par.rank(), i));
                }
                for (Job<Integer> j : jobs) {
                    assertThat(j.get()).isIn(1, 2);
                    assertThat(j.worker()).isEqualTo("rank " + j.get());
                }
                server.setLocalWorkers(2);
                assertThat(server.workers()).isEqualTo(4);
            }
        }
    }

    @Ranks(2)
    void anIdleWorkerGetsTheNextJob(Communicator world) throws InterruptedException {
        // one long job occupies one worker; every short job then goes to the other one
        try (JobServer server = new JobServer(JobSettings.defaults().communicator(world).localWorkers(1))) {
            if (server.isMaster()) {
                Job<String> longJob = server.submit(() -> {
                    Thread.sleep(1500);
                    return "long";
                });
                Thread.sleep(100);
                List<Job<Integer>> shorts = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    shorts.add(server.submit(x -> {
                        Thread.sleep(10);
                        return x;
                    }, i));
                }
                for (Job<Integer> j : shorts) {
                    j.get();
                }
                assertThat(longJob.isDone()).as("every short job was done before the long one").isFalse();
                longJob.get();
                assertThat(shorts).allMatch(j -> !j.worker().equals(longJob.worker()));
            }
        }
    }

    @Ranks({1, 2})
    void statisticsLikePpPrintStats(Communicator world) {
        try (JobServer server = new JobServer(JobSettings.defaults().communicator(world))) {
            if (server.isMaster()) {
                for (int i = 0; i < 9; i++) {
                    server.submit(JobServerTest::sumPrimes, 20_000 + i);
                }
                server.submit(() -> {
                    throw new IllegalStateException("x");
                });
                server.await();
                JobStats stats = server.stats();
                assertThat(stats.jobs()).isEqualTo(10);
                assertThat(stats.failed()).isEqualTo(1);
                assertThat(stats.activeJobs()).isZero();
                assertThat(stats.liveWorkers()).isEqualTo(server.workers());
                assertThat(stats.workers()).extracting(JobStats.Worker::name).startsWith(
                        world.size() == 1 ? "thread 1" : "rank 0 thread 1");
                if (world.size() == 2) {
                    assertThat(stats.workers()).extracting(JobStats.Worker::name).contains("rank 1");
                }
                String[] lines = stats.table().split(System.lineSeparator());
                assertThat(lines[0]).isEqualTo("Job execution statistics:");
                assertThat(lines[1]).isEqualTo(" job count | % of all jobs | job time sum | time per job | job server");
                int rows = stats.workers().size();
                for (int i = 0; i < rows; i++) {
                    assertThat(lines[2 + i]).matches(" {4}[ \\d]{5}\\d \\| {8}[ \\d]{2}\\d\\.\\d\\d \\| {5}[ \\d]{2}\\d\\.\\d{4} "
                            + "\\| {2}[ \\d]{3}\\d\\.\\d{6} \\| " + stats.workers().get(i).name());
                }
                assertThat(lines[2 + rows]).matches(" {4}    10 \\|        100\\.00 \\| .* \\| total");
                assertThat(lines[3 + rows]).isEqualTo("1 job failed (the task threw)");
                assertThat(lines[4 + rows]).matches("Time elapsed since server creation \\d+\\.\\d{4}");
                assertThat(lines[5 + rows]).isEqualTo("0 active tasks, " + server.workers() + " workers");
                PrintStream out = System.out;
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
                try {
                    server.printStats();
                } finally {
                    System.setOut(out);
                }
                assertThat(buf.toString(StandardCharsets.UTF_8)).startsWith("Job execution statistics:");
            }
        }
    }

    @Test
    void statisticsShareAndTimePerJob() {
        JobStats s = new JobStats(List.of(new JobStats.Worker("rank 0 thread 1", 5, 0, Duration.ofMillis(1234), null),
                new JobStats.Worker("rank 1", 4, 0, Duration.ofMillis(1000), "java.lang.OutOfMemoryError: x")),
                0, 1, Duration.ofMillis(1290));
        assertThat(s.table()).isEqualTo(String.join(System.lineSeparator(),
                "Job execution statistics:",
                " job count | % of all jobs | job time sum | time per job | job server",
                "         5 |         55.56 |       1.2340 |     0.246800 | rank 0 thread 1",
                "         4 |         44.44 |       1.0000 |     0.250000 | rank 1 (died: java.lang.OutOfMemoryError: x)",
                "         9 |        100.00 |       2.2340 |     0.248222 | total",
                "Time elapsed since server creation 1.2900",
                "0 active tasks, 1 worker", ""));
    }

    @Test
    void settingsReadTheirSystemProperties() {
        try {
            System.setProperty(JobSettings.WORKERS_PROPERTY, "3");
            System.setProperty(JobSettings.PROGRESS_PROPERTY, "off");
            System.setProperty(JobSettings.JOURNAL_PROPERTY, "/tmp/x.journal");
            JobSettings s = JobSettings.defaults();
            assertThat(s.localWorkers()).isEqualTo(3);
            assertThat(s.progressBar()).isFalse();
            assertThat(s.journal()).hasToString("/tmp/x.journal");
            System.setProperty(JobSettings.WORKERS_PROPERTY, "many");
            assertThatThrownBy(JobSettings::defaults).isInstanceOf(JparException.class)
                    .hasMessage("-Djpar.job.workers=many is not a number of workers");
        } finally {
            System.clearProperty(JobSettings.WORKERS_PROPERTY);
            System.clearProperty(JobSettings.PROGRESS_PROPERTY);
            System.clearProperty(JobSettings.JOURNAL_PROPERTY);
        }
        JobSettings d = JobSettings.defaults();
        assertThat(d.localWorkers()).isEqualTo(-1);
        assertThat(d.progressBar()).isTrue();
        assertThat(d.journal()).isNull();
        assertThat(d.maxAttempts()).isEqualTo(3);
        assertThat(d.joinTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThatThrownBy(() -> d.joinTimeout(Duration.ofMillis(-1))).isInstanceOf(JparException.class)
                .hasMessage("joinTimeout PT-0.001S is out of range: zero or more");
        assertThatThrownBy(() -> d.maxAttempts(0)).isInstanceOf(JparException.class)
                .hasMessage("maxAttempts 0 is out of range: a job needs at least 1 attempt");
        assertThatThrownBy(() -> JobServer.local(0)).isInstanceOf(JparException.class)
                .hasMessage("JobServer.local(0): a local server needs at least 1 worker thread");
    }

    @Test
    void theProgressBarStaysOffWithoutATerminal() throws Exception {
        try (JobServer server = JobServer.local(2)) {
            for (int i = 0; i < 4; i++) {
                server.submit(() -> {
                    Thread.sleep(700);
                    return 0;
                });
            }
            Thread.sleep(Progress.SHOW_AFTER_MILLIS + 400);
            assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("jpar-job-progress"));
        }
    }

    @Test
    void jobsReportInterruptsAndTimeouts() {
        try (JobServer server = JobServer.local(1)) {
            Job<Integer> slow = server.submit(() -> {
                Thread.sleep(400);
                return 1;
            });
            assertThatThrownBy(() -> slow.get(Duration.ofMillis(20))).isInstanceOf(JparException.class)
                    .hasMessage("job 1 is not done after 20 ms");
            Thread.currentThread().interrupt();
            assertThatThrownBy(slow::get).isInstanceOf(JparException.class)
                    .hasMessage("interrupted while waiting for job 1");
            assertThat(Thread.interrupted()).isTrue();
            assertThat(slow.get()).isEqualTo(1);
            assertThat(slow.time()).isGreaterThanOrEqualTo(Duration.ofMillis(350));
        }
    }
}
