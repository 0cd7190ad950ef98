package org.jpar.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jpar.examples.SumPrimes;
import org.jpar.launcher.Jpar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run that loses a rank, then the same program again with the same journal: the second run takes what the first
 * finished and completes only the rest ({@code org.jpar.programs.jobs.JournalRun}, 24 jobs).
 */
class JobJournalIT {
    private static final Pattern SUMMARY = Pattern.compile("jobs: 24, from the journal: (\\d+), run now: (\\d+)");

    @TempDir
    Path dir;

    private static long expectedSum() {
        long sum = 0;
        for (int i = 0; i < 24; i++) {
            sum += SumPrimes.sumPrimes(200_000 + i);
        }
        return sum;
    }

    private Jpar.Result jpar(String engine, Path journal, String mode, boolean crash) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (crash) {
            cmd.addAll(List.of("env", "JOURNAL_RUN_CRASH=halt"));
        }
        cmd.add(Jpar.home().resolve("mpirun-scripts/jpar").toString());
        cmd.addAll(List.of("run", "--engine", engine, "-np", "2", "--class-path", Jpar.testClasses(),
                "org.jpar.programs.jobs.JournalRun", journal.toString(), mode));
        return Jpar.exec(cmd, 180);
    }

    /** Runs to the end with the journal; @return how many results came from the journal */
    private int rerun(String engine, Path journal) throws Exception {
        Jpar.Result r = jpar(engine, journal, "ok", false);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).hasSize(2);
        Matcher m = SUMMARY.matcher(r.out().get(0));
        assertThat(m.matches()).as(r.out().get(0)).isTrue();
        assertThat(r.out().get(1)).isEqualTo("sum: " + expectedSum());
        int kept = Integer.parseInt(m.group(1));
        assertThat(kept + Integer.parseInt(m.group(2))).isEqualTo(24);
        return kept;
    }

    private void aProcessThatDiesMidRun(String engine) throws Exception {
        Path journal = dir.resolve(engine + ".journal");
        Jpar.Result crashed = jpar(engine, journal, "ok", true);
        assertThat(crashed.exitCode()).as(crashed.toString()).isNotZero();
        assertThat(crashed.out()).as("the run died before printing").isEmpty();
        assertThat(Files.size(journal)).as("results were journaled before the crash").isGreaterThan(8);
        int kept = rerun(engine, journal);
        assertThat(kept).as("results kept from the run that died").isBetween(1, 23);
        assertThat(rerun(engine, journal)).as("a third run computes nothing").isEqualTo(24);
    }

    @Test
    void theWholeProcessDiesMidRunThenARerunCompletesOnlyWhatIsMissing() throws Exception {
        aProcessThatDiesMidRun("threads");
    }

    @Test
    void aRankProcessDiesMidRunOnOpenMpiThenARerunCompletesOnlyWhatIsMissing() throws Exception {
        assumeTrue(JobDemosIT.openMpiAvailable(), "this build has no --engine openmpi yet");
        aProcessThatDiesMidRun("openmpi");
    }

    @Test
    void aLostRankEndsTheRunWithAClearReportAndTheJournalKeepsWhatWasDone() throws Exception {
        Path journal = dir.resolve("lost.journal");
        Jpar.Result lost = jpar("threads", journal, "lose1", false);
        assertThat(lost.exitCode()).as(lost.toString()).isEqualTo(1);
        assertThat(lost.err()).as(lost.toString())
                .contains("jpar: rank 1 of 2 failed: java.lang.IllegalStateException: rank 1 lost")
                .anyMatch(l -> l.matches(".*jpar JobServer: the run was stopped \\(the job was aborted because rank 1 "
                        + "failed: java.lang.IllegalStateException: rank 1 lost\\); \\d+ job\\(s\\) were done, \\d+ will "
                        + "not be; the finished results are kept in journal " + Pattern.quote(journal.toString())
                        + ": run the program again to complete only the missing ones"));
        assertThat(lost.err()).last().isEqualTo("jpar: the job was stopped (exit code 1)");
        assertThat(rerun("threads", journal)).isBetween(1, 23);
    }
}
