package org.jpar.engine.nativempi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jpar.launcher.Jpar;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * On the native engine, under Open MPI and under MPICH, array collectives with built-in operators are the MPI
 * library's own calls ({@code MPI_Allreduce}, {@code MPI_Scan}, {@code MPI_Gatherv}, ...), not point-to-point
 * algorithms, and give what the operators applied in rank order give, for every type and operator, small and large
 * arrays, at the blocking (multiple) and nonblocking (serialized) thread levels, on the world, on the halves of a
 * split world and on a duplicate ({@link NativeArrayCollectives} checks the engine's counters inside each rank).
 */
class NativeArrayCollectivesIT {
    @ParameterizedTest(name = "{0}, {1} ranks, threads={2}, {3}")
    @CsvSource({"OPENMPI, 1, multiple, world", "OPENMPI, 2, multiple, world", "OPENMPI, 3, multiple, split",
        "OPENMPI, 4, multiple, dup", "OPENMPI, 3, serialized, split",
        "MPICH, 1, multiple, world", "MPICH, 2, multiple, dup", "MPICH, 3, multiple, split",
        "MPICH, 4, multiple, world", "MPICH, 2, serialized, split"})
    void arrayCollectivesAreTheLibrarysOwn(NativeTests.Mpi mpi, int ranks, String threads, String comms)
            throws Exception {
        NativeTests.require(mpi);
        List<String> cmd = mpi.launch(ranks);
        cmd.addAll(NativeTests.java());
        cmd.addAll(List.of("-Djpar.native.threads=" + threads, "-cp", System.getProperty("java.class.path"),
                NativeArrayCollectives.class.getName(), comms));
        Jpar.Result r = NativeTests.exec(cmd, Map.of(), 600);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < ranks; i++) {
            expected.add("rank " + i + " native collectives ok");
            if (!comms.equals("world")) {
                expected.add("rank " + i + " " + comms + " native collectives ok");
            }
        }
        assertThat(r.out()).as(r.toString()).containsExactlyInAnyOrderElementsOf(expected);
    }
}
