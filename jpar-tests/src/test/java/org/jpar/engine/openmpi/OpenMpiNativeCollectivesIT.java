package org.jpar.engine.openmpi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jpar.launcher.Jpar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Array collectives with built-in operators go to Open MPI's own collectives ({@code MPI_Allreduce}, ...), not to
 * point-to-point algorithms, and give what the operators applied in rank order give, for every type and operator,
 * small and large arrays, at the blocking (multiple) and nonblocking (serialized) thread levels
 * ({@link NativeCollectives} checks the engine's counters inside each rank).
 */
class OpenMpiNativeCollectivesIT {
    @BeforeAll
    static void openMpi() {
        OpenMpiTests.requireOpenMpi();
    }

    @ParameterizedTest(name = "{0} ranks, threads={1}")
    @CsvSource({"1, multiple", "2, multiple", "3, multiple", "4, multiple", "3, serialized", "2, single"})
    void arrayCollectivesAreOpenMpisOwn(int ranks, String threads) throws Exception {
        List<String> cmd = OpenMpiTests.mpirun(ranks);
        cmd.addAll(OpenMpiTests.java());
        cmd.addAll(List.of("-Djpar.openmpi.threads=" + threads, "-cp", System.getProperty("java.class.path"),
                NativeCollectives.class.getName()));
        Jpar.Result r = OpenMpiTests.exec(cmd, Map.of(), 600);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < ranks; i++) {
            expected.add("rank " + i + " native collectives ok");
        }
        assertThat(r.out()).as(r.toString()).containsExactlyInAnyOrderElementsOf(expected);
    }
}
