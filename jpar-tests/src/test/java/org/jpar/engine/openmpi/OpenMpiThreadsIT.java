package org.jpar.engine.openmpi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.jpar.launcher.Jpar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Several threads of every rank communicating at once, at each thread level of {@code -Djpar.openmpi.threads}. */
class OpenMpiThreadsIT {
    @BeforeAll
    static void openMpi() {
        OpenMpiTests.requireOpenMpi();
    }

    private static Jpar.Result run(String threads) throws Exception {
        List<String> cmd = OpenMpiTests.mpirun(3);
        cmd.addAll(OpenMpiTests.java());
        cmd.addAll(List.of("-Djpar.openmpi.threads=" + threads, "-cp",
                System.getProperty("java.class.path"), ThreadedRanks.class.getName()));
        return OpenMpiTests.exec(cmd, Map.of(), 300);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"multiple", "serialized"})
    void threadsOfOneRankCommunicateAtOnce(String threads) throws Exception {
        Jpar.Result r = run(threads);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString())
                .containsExactlyInAnyOrder("rank 0 threads ok", "rank 1 threads ok", "rank 2 threads ok");
    }

    @Test
    void singleRefusesOtherThreadsClearly() throws Exception {
        Jpar.Result r = run("single");
        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertThat(String.join("\n", r.err())).as(r.toString()).contains("cannot communicate: with "
                + "-Djpar.openmpi.threads=single only the thread that started MPI (main) may");
    }
}
