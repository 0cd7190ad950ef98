package org.jpar.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.jpar.Communicator;
import org.jpar.JparException;
import org.jpar.junit.Ranks;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The journal: finished results are kept; a rerun takes them and runs only what is missing. */
@Timeout(120)
class JournalTest {
    private static final Map<Integer, AtomicInteger> RUNS = new ConcurrentHashMap<>();
    private static volatile boolean failEven;

    @TempDir
    Path dir;

    @BeforeEach
    void reset() {
        RUNS.clear();
        failEven = false;
    }

    static int tripled(int x) {
        RUNS.computeIfAbsent(x, k -> new AtomicInteger()).incrementAndGet();
        if (failEven && x % 2 == 0) {
            throw new IllegalStateException("transient failure at " + x);
        }
        return 3 * x;
    }

    private static int runs(int x) {
        AtomicInteger n = RUNS.get(x);
        return n == null ? 0 : n.get();
    }

    private static List<Integer> upTo(int n) {
        return IntStream.range(0, n).boxed().collect(Collectors.toList());
    }

    @Test
    void aRerunTakesTheKeptResultsAndRunsOnlyWhatIsMissing() {
        Path journal = dir.resolve("j");
        failEven = true;
        try (JobServer server = JobServer.local(2, JobSettings.defaults().journal(journal))) {
            List<Job<Integer>> jobs = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                jobs.add(server.submit(JournalTest::tripled, i));
            }
            server.await();
            assertThat(jobs).filteredOn(Job::isFailed).hasSize(5);
        }
        failEven = false;
        try (JobServer server = JobServer.local(2, JobSettings.defaults().journal(journal))) {
            List<Job<Integer>> jobs = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                jobs.add(server.submit(JournalTest::tripled, i));
            }
            for (int i = 0; i < 10; i++) {
                assertThat(jobs.get(i).get()).isEqualTo(3 * i);
                if (i % 2 == 0) {
                    assertThat(jobs.get(i).worker()).as("job " + i).startsWith("thread ");
                } else {
                    assertThat(jobs.get(i).worker()).as("job " + i).isEqualTo("journal");
                }
                assertThat(runs(i)).as("runs of " + i).isEqualTo(i % 2 == 0 ? 2 : 1);
            }
            JobStats stats = server.stats();
            assertThat(stats.workers()).last().isEqualTo(new JobStats.Worker("journal", 5, 0,
                    java.time.Duration.ZERO, null));
            assertThat(stats.table()).containsPattern(
                    "\n {9}5 \\| {9}50\\.00 \\| {7}0\\.0000 \\| {5}0\\.000000 \\| journal\n");
        }
    }

    @Test
    void mapChunksAndSubmissionsShareTheJournal() {
        Path journal = dir.resolve("j");
        try (Pool pool = Pool.local(2, JobSettings.defaults().journal(journal))) {
            assertThat(pool.map(JournalTest::tripled, upTo(20), 3)).hasSize(20);
        }
        try (Pool pool = Pool.local(2, JobSettings.defaults().journal(journal))) {
            assertThat(pool.map(JournalTest::tripled, upTo(25), 4)).isEqualTo(upTo(25).stream().map(x -> 3 * x)
                    .collect(Collectors.toList()));
        }
        try (JobServer server = JobServer.local(1, JobSettings.defaults().journal(journal))) {
            assertThat(server.submit(JournalTest::tripled, 24).get()).isEqualTo(72);
            assertThat(server.submit(JournalTest::tripled, 25).get()).isEqualTo(75);
        }
        for (int i = 0; i <= 25; i++) {
            assertThat(runs(i)).as("runs of " + i).isEqualTo(1);
        }
    }

    @Ranks(2)
    void resultsFromOtherRanksAreKeptToo(Communicator world) {
        Path journal = dir.resolve("ranks-" + world.size());
        JobSettings s = JobSettings.defaults().communicator(world).localWorkers(0).journal(journal);
        try (Pool pool = new Pool(s)) {
            if (pool.isMaster()) {
                pool.map(JournalTest::tripled, upTo(12));
                assertThat(pool.stats().workers()).anyMatch(w -> w.name().equals("rank 1") && w.jobs() == 12);
            }
        }
        try (Pool pool = new Pool(s)) {
            if (pool.isMaster()) {
                assertThat(pool.map(JournalTest::tripled, upTo(12))).element(11).isEqualTo(33);
                assertThat(pool.stats().workers()).anyMatch(w -> w.name().equals("journal") && w.jobs() == 12);
                for (int i = 0; i < 12; i++) {
                    assertThat(runs(i)).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void otherArgumentsOrTasksAreNotConfusedWithKeptOnes() {
        Path journal = dir.resolve("j");
        try (JobServer server = JobServer.local(1, JobSettings.defaults().journal(journal))) {
            server.submit(JournalTest::tripled, 1).get();
            server.submit(x -> x + 1000, 1).get();
        }
        try (JobServer server = JobServer.local(1, JobSettings.defaults().journal(journal))) {
            Job<Integer> other = server.submit(JournalTest::tripled, 2);
            assertThat(other.get()).isEqualTo(6);
            assertThat(other.worker()).isEqualTo("thread 1");
            assertThat(server.submit(x -> x + 2000, 1).get()).isEqualTo(2001);
            Job<Integer> kept = server.submit(JournalTest::tripled, 1);
            assertThat(kept.get()).isEqualTo(3);
            assertThat(kept.worker()).isEqualTo("journal");
            server.await();
        }
        assertThat(runs(1)).isEqualTo(1);
        assertThat(runs(2)).isEqualTo(1);
    }

    @Test
    void aTornLastRecordIsDropped() throws IOException {
        Path journal = dir.resolve("j");
        try (Pool pool = Pool.local(1, JobSettings.defaults().journal(journal))) {
            pool.map(JournalTest::tripled, upTo(5));
        }
        long size = Files.size(journal);
        // a run killed in the middle of writing a record leaves part of it
        Files.write(journal, new byte[] {0, 0, 0, 50, 1, 2, 3}, StandardOpenOption.APPEND);
        try (Journal j = Journal.open(journal)) {
            assertThat(j.kept()).isEqualTo(5);
        }
        assertThat(Files.size(journal)).isEqualTo(size);
        // a damaged last record (its CRC does not match) is dropped too
        byte[] bytes = Files.readAllBytes(journal);
        bytes[bytes.length - 1] ^= 0x55;
        Files.write(journal, bytes);
        try (Journal j = Journal.open(journal)) {
            assertThat(j.kept()).isEqualTo(4);
        }
        try (Pool pool = Pool.local(1, JobSettings.defaults().journal(journal))) {
            assertThat(pool.map(JournalTest::tripled, upTo(5))).containsExactly(0, 3, 6, 9, 12);
        }
        assertThat(runs(4)).isEqualTo(2);
        assertThat(runs(3)).isEqualTo(1);
    }

    @Test
    void aFileThatIsNotAJournalIsAClearError() throws IOException {
        Path notes = dir.resolve("notes.txt");
        Files.writeString(notes, "my precious notes");
        assertThatThrownBy(() -> JobServer.local(1, JobSettings.defaults().journal(notes)))
                .isInstanceOf(JparException.class).hasMessage("file " + notes + " is not a jpar journal (it does not "
                        + "start with JPARJRN2): give another file, or delete this one");
        assertThat(Files.readString(notes)).isEqualTo("my precious notes");
    }

    @Test
    void withAJournalATaskThatCannotBeEncodedIsRefusedAtOnce() {
        try (JobServer server = JobServer.local(1, JobSettings.defaults().journal(dir.resolve("j")))) {
            Runnable notSerializable = () -> { };
            assertThatThrownBy(() -> server.submit(() -> {
                notSerializable.run();
                return 1;
            })).isInstanceOf(JparException.class).hasMessageStartingWith("submit: with a journal, every job is encoded "
                    + "to be recognized on a rerun, and this one cannot be: its task (");
            assertThat(server.submit(() -> 2).get()).isEqualTo(2);
        }
    }

    @Test
    void aJournalInUseIsAClearError() {
        Path journal = dir.resolve("j");
        try (JobServer first = JobServer.local(1, JobSettings.defaults().journal(journal))) {
            assertThatThrownBy(() -> JobServer.local(1, JobSettings.defaults().journal(journal)))
                    .isInstanceOf(JparException.class).hasMessage("journal " + journal + " is in use by another job "
                            + "server (it is locked): give each concurrent run its own journal");
            assertThat(first.submit(() -> 1).get()).isEqualTo(1);
        }
        try (JobServer again = JobServer.local(1, JobSettings.defaults().journal(journal))) {
            assertThat(again.submit(() -> 2).get()).isEqualTo(2);
        }
    }
}
