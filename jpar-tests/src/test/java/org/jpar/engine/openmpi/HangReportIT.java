package org.jpar.engine.openmpi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.jpar.launcher.Jpar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The hang report of the Open MPI engine (issue 13): names the ranks and their cycle; silent while a rank computes. */
class HangReportIT {
    @BeforeAll
    static void openMpi() {
        OpenMpiTests.requireOpenMpi();
    }

    @Test
    void aReceiveCycleIsReportedWithBothRanksWithinTheTimeout() throws Exception {
        Jpar.Result r = reportedAndStopped("Deadlock");
        assertThat(r.err()).as(r.toString())
                .anyMatch(l -> l.matches("jpar:   rank 0: thread 'main' waits in receive\\(source=1, tag=3\\), stalled for "
                        + "\\d+ s"))
                .anyMatch(l -> l.matches("jpar:   rank 1: thread 'main' waits in receive\\(source=0, tag=3\\), stalled for "
                        + "\\d+ s"))
                .contains("jpar:   cycle: rank 0 waits for rank 1, which waits for rank 0")
                .noneMatch(l -> l.contains("jpar-hang-state"));
    }

    /** A rank waiting in {@code Request.waitAny} (tests and pauses, no blocking call) was counted as computing. */
    @Test
    void aRankWaitingInWaitAnyIsBlockedNotComputing() throws Exception {
        Jpar.Result r = reportedAndStopped("DeadlockInWaitAny");
        assertThat(r.err()).as(r.toString())
                .anyMatch(l -> l.matches("jpar:   rank 0: thread 'main' waits in Request.waitAny\\(\\), stalled for \\d+ s"))
                .anyMatch(l -> l.matches("jpar:   rank 1: thread 'main' waits in receive\\(source=0, tag=3\\), stalled for "
                        + "\\d+ s"));
    }

    /** Runs {@code program} at 2 ranks with a 5 s hang timeout: it must be reported as hanging and stopped, exit 1. */
    private static Jpar.Result reportedAndStopped(String program) throws Exception {
        Jpar.Result r = Jpar.run(120, "run", "--engine", "openmpi", "-np", "2", "--hang-timeout", "5", "--hang-abort",
                "--class-path", Jpar.testClasses(), "org.jpar.programs." + program);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString())
                .anyMatch(l -> l.matches("jpar: no rank has made progress for \\d+ s: the job hangs \\(--hang-timeout 5\\)"));
        assertThat(r.millis()).as("reported and stopped well before the test's own timeout").isLessThan(90_000);
        return r;
    }

    @Test
    void theSendFirstExchangeHangsUnderOpenMpiAndItsSendsAreNamed() throws Exception {
        Jpar.Result r = reportedAndStopped("SendFirstExchange");
        assertThat(r.err()).as(r.toString())
                .anyMatch(l -> l.matches("jpar:   rank 0: thread 'main' waits in send\\(dest=1, tag=0\\) of 8192 bytes, "
                        + "stalled for \\d+ s"))
                .contains("jpar:   cycle: rank 0 waits for rank 1, which waits for rank 0");
    }

    @Test
    void aRankThatComputesLongerThanTheTimeoutIsNoHang() throws Exception {
        Jpar.Result r = Jpar.run(120, "run", "--engine", "openmpi", "-np", "3", "--hang-timeout", "2", "--hang-abort",
                "--class-path", Jpar.testClasses(), "org.jpar.programs.ComputesThenSends", "8");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).contains("computed", "rank 1 got it", "rank 2 got it");
        assertThat(r.err()).as(r.toString()).noneMatch(l -> l.contains("progress") || l.contains("jpar-hang-state"));
    }

    /**
     * A rank computes where the old watch did not look: in a thread it started while its main waits in a receive,
     * in the user's operator inside allreduce, in the serialization of what it sends (its peer already waits in the
     * matching receive); or it sleeps in its main thread while a listener thread waits in a receive (as a program
     * waiting for a file or a service: no thread computes, but one outside jpar will go on). Slow, not hung: the job
     * ends normally and nothing is reported.
     */
    @ParameterizedTest
    @ValueSource(strings = {"worker", "op", "encode", "sleep"})
    void aRankComputingInAThreadAnOperatorOrAnEncodingIsNoHang(String mode) throws Exception {
        Jpar.Result r = Jpar.run(120, "run", "--engine", "openmpi", "-np", "2", "--hang-timeout", "2", "--hang-abort",
                "--class-path", Jpar.testClasses(), "org.jpar.programs.BusyInOtherPlaces", mode, "8");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).contains("rank 0 done", "rank 1 done");
        assertThat(r.err()).as(r.toString()).noneMatch(l -> l.contains("progress") || l.contains("jpar-hang-state"));
    }

    @Test
    void underPlainMpirunEachRankReportsItselfAndAborts() throws Exception {
        List<String> cmd = new ArrayList<>(OpenMpiTests.mpirun(2));
        cmd.addAll(OpenMpiTests.java());
        cmd.addAll(List.of("-Djpar.hang.timeout=3", "-Djpar.hang.abort=true", "-cp",
                OpenMpiTests.jparJar() + ":" + Jpar.testClasses(), "org.jpar.programs.Deadlock"));
        Jpar.Result r = Jpar.exec(cmd, 120);
        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertThat(r.err()).as(r.toString()).anyMatch(l -> l.matches("jpar: rank [01] of 2 has made no progress for \\d+ s "
                + "\\(-Djpar.hang.timeout\\): thread 'main' waits in receive\\(source=[01], tag=3\\) for \\d+ s; aborting "
                + "the job \\(-Djpar.hang.abort=true\\)"));
    }

    @Test
    void noHangTimeoutMeansNoWatch() throws Exception {
        Jpar.Result r = Jpar.run(60, "run", "--engine", "openmpi", "-np", "2", "--hang-timeout", "-1",
                "org.jpar.examples.Ring");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().get(0)).isEqualTo("jpar: --hang-timeout -1.0 is out of range: give seconds > 0 (at least "
                + "0.001), or 0 for no "
                + "hang report");
    }
}
