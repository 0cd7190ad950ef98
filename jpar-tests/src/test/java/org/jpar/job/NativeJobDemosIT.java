package org.jpar.job;

import java.util.List;
import java.util.Map;

import org.jpar.engine.nativempi.NativeTests;
import org.jpar.engine.openmpi.OpenMpiTestsAccess;
import org.jpar.launcher.Jpar;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The job-layer demos through {@code jpar run --engine native --mpi M}, as {@link JobDemosIT} runs them elsewhere. */
class NativeJobDemosIT {
    private static Jpar.Result run(NativeTests.Mpi mpi, int ranks, String main, String... args) throws Exception {
        NativeTests.require(mpi);
        List<String> cmd = new java.util.ArrayList<>(List.of(Jpar.home().resolve("mpirun-scripts/jpar").toString(),
                "run", "--engine", "native", "--mpi", mpi.name, "-np", Integer.toString(ranks), main));
        cmd.addAll(List.of(args));
        return NativeTests.exec(cmd, Map.of("JPAR_JAR", OpenMpiTestsAccess.jparJar()), 300);
    }

    @ParameterizedTest
    @EnumSource(NativeTests.Mpi.class)
    void parallelFib(NativeTests.Mpi mpi) throws Exception {
        JobDemosIT.assertFib(run(mpi, 2, "org.jpar.examples.ParallelFib"), 2);
    }

    @ParameterizedTest
    @EnumSource(NativeTests.Mpi.class)
    void sumPrimes(NativeTests.Mpi mpi) throws Exception {
        JobDemosIT.assertSumPrimes(run(mpi, 4, "org.jpar.examples.SumPrimes", "2"), 5,
                List.of("rank 0 thread 1", "rank 1", "rank 2", "rank 3", "rank 0 thread 2"));
    }
}
