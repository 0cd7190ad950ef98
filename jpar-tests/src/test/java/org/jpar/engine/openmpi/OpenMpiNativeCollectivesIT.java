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
 * small and large arrays, at the blocking (multiple) and nonblocking (serialized, single) thread levels, on the world
 * and on the halves of a split world ({@link NativeCollectives} checks the engine's counters inside each rank).
 */
class OpenMpiNativeCollectivesIT {
    @BeforeAll
    static void openMpi() {
        OpenMpiTests.requireOpenMpi();
    }

    /**
     * heapMax: {@code -Djpar.openmpi.collectiveHeapMax}, 16384 for the bindings' array path on small arrays, the
     * largest value for it on every array (the bindings' own gatherv, allgatherv and scatterv of Java arrays crashed
     * the JVM then: jpar stages those whatever the setting).
     */
    @ParameterizedTest(name = "{0} ranks, threads={1}, {2}, heapMax={3}")
    @CsvSource({"1, multiple, world, 0", "2, multiple, world, 0", "3, multiple, world, 0", "4, multiple, split, 0",
        "3, serialized, split, 0", "2, single, world, 0", "2, multiple, world, 16384", "4, multiple, split, 16384",
        "2, multiple, world, 2147483647", "3, multiple, split, 2147483647"})
    void arrayCollectivesAreOpenMpisOwn(int ranks, String threads, String comms, int heapMax) throws Exception {
        List<String> cmd = OpenMpiTests.mpirun(ranks);
        cmd.addAll(OpenMpiTests.java());
        cmd.addAll(List.of("-Djpar.openmpi.threads=" + threads, "-Djpar.openmpi.collectiveHeapMax=" + heapMax, "-cp",
                System.getProperty("java.class.path"), NativeCollectives.class.getName(), comms));
        Jpar.Result r = OpenMpiTests.exec(cmd, Map.of(), 600);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < ranks; i++) {
            expected.add("rank " + i + " native collectives ok");
            if (comms.equals("split")) {
                expected.add("rank " + i + " split native collectives ok");
            }
        }
        assertThat(r.out()).as(r.toString()).containsExactlyInAnyOrderElementsOf(expected);
    }
}
