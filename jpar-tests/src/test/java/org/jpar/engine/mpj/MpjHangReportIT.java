package org.jpar.engine.mpj;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jpar.launcher.Jpar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hang report on MPJ Express's niodev device (issue 13, part 3): the launcher reads the ranks' hang-watch states
 * from their standard error, names the ranks of a receive cycle and their cycle within the timeout, stops the job with
 * {@code --hang-abort}, and stays silent while a rank computes.
 */
class MpjHangReportIT {
    @BeforeAll
    static void mpj() {
        MpjTests.requireMpj();
    }

    private static Jpar.Result run(String marker, String... args) throws Exception {
        List<String> cmd = MpjTests.jparRun("niodev", args[0].equals("-np3") ? 3 : 2);
        cmd.addAll(List.of(args).subList(1, args.length));
        return MpjTests.exec(cmd, Map.of("JPAR_JAVA_OPTS", "-Djpar.test.marker=" + marker), 150);
    }

    @Test
    void aReceiveCycleOnNiodevIsReportedWithBothRanksAndStoppedWithHangAbort() throws Exception {
        String marker = UUID.randomUUID().toString();
        Jpar.Result r = run(marker, "-np2", "--hang-timeout", "5", "--hang-abort", "--class-path", Jpar.testClasses(),
                "org.jpar.programs.Deadlock");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString())
                .anyMatch(l -> l.matches("jpar: no rank has made progress for \\d+ s: the job hangs \\(--hang-timeout 5\\)"))
                .anyMatch(l -> l.matches("jpar:   rank 0: thread 'main' waits in receive\\(source=1, tag=3\\), stalled for "
                        + "\\d+ s"))
                .anyMatch(l -> l.matches("jpar:   rank 1: thread 'main' waits in receive\\(source=0, tag=3\\), stalled for "
                        + "\\d+ s"))
                .contains("jpar:   cycle: rank 0 waits for rank 1, which waits for rank 0")
                .noneMatch(l -> l.contains("jpar-hang-state"));
        assertThat(r.millis()).as("reported and stopped well before the test's own timeout").isLessThan(100_000);
        assertThat(MpjTests.leftovers(marker, 5000)).as(r.toString()).isEmpty();
    }

    @Test
    void aRankThatComputesLongerThanTheTimeoutIsNoHang() throws Exception {
        String marker = UUID.randomUUID().toString();
        Jpar.Result r = run(marker, "-np3", "--hang-timeout", "2", "--hang-abort", "--class-path", Jpar.testClasses(),
                "org.jpar.programs.ComputesThenSends", "8");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).contains("computed", "rank 1 got it", "rank 2 got it");
        assertThat(r.err()).as(r.toString()).noneMatch(l -> l.contains("progress") || l.contains("jpar-hang-state"));
    }
}
