package org.jpar.failures;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jpar.launcher.Jpar;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link FailureSuite} on the embedded engine, through {@code jpar run}; and its deadlock report. */
class ThreadsFailuresIT extends FailureSuite {
    @Override
    protected Jpar.Result run(int ranks, String program, String... args) throws Exception {
        return runWithJvmOptions("", ranks, program, args);
    }

    @Override
    protected Jpar.Result runWithJvmOptions(String jvmOptions, int ranks, String program, String... args)
            throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Jpar.home().resolve("mpirun-scripts/jpar").toString(), "run",
                "-np", Integer.toString(ranks), "--class-path", Jpar.testClasses(), "org.jpar.programs." + program));
        cmd.addAll(List.of(args));
        return Jpar.exec(cmd, Map.of("JPAR_JAVA_OPTS", jvmOptions), TIMEOUT_SECONDS);
    }

    /** A helper thread that sleeps, or waits for a process it started, before it sends is slow, not deadlocked. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sleep", "process"})
    void aHelperThatWaitsForTimeOrAProcessKeepsTheJobAlive(String how) throws Exception {
        Jpar.Result r = run(4, "HelperThenSends", how);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).contains("helper " + how + " done");
    }

    @ParameterizedTest(name = "after sending a {0}")
    @ValueSource(strings = {"list", "map"})
    void aDeadlockIsReportedAfterRanksSentObjectsThroughTheCodec(String what) throws Exception {
        Jpar.Result r = run(2, "DeadlockAfterObject", what);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString()).contains(
                "jpar: deadlock: every rank is waiting for a message that no rank can send",
                "  rank 0: waits in receive(source=1, tag=3)", "  rank 1: waits in receive(source=0, tag=3)");
        assertThat(r.millis()).as(r.toString()).isLessThan(BOUND_MILLIS);
    }
}
