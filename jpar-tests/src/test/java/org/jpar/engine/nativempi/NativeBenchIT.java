package org.jpar.engine.nativempi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.jpar.launcher.Jpar;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code jpar bench allreduce --engine native [--mpi M]} runs C's own {@code MPI_Allreduce} loop in the same ranks as
 * jpar, batch by batch in turn, and the same loop through FFM alone ({@code raw-ffm}, and {@code raw-ffm-heap} with
 * the data in Java arrays): their lines carry jpar's ratios to them, and the summary gives native/C, native/raw-ffm,
 * raw-ffm/C and native/raw-ffm-heap; {@code jpar bench pingpong --engine native}
 * runs the same three.
 */
class NativeBenchIT {
    @ParameterizedTest
    @EnumSource(NativeTests.Mpi.class)
    void allreduceAlternatesWithCInTheSameRun(NativeTests.Mpi mpi) throws Exception {
        NativeTests.require(mpi);
        Jpar.Result r = NativeTests.exec(List.of(Jpar.home().resolve("mpirun-scripts/jpar").toString(), "bench",
                "allreduce", "--engine", "native", "--mpi", mpi.name, "--scale", "0.01"), Map.of(), 600);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        String c = "c-" + mpi.name;
        for (String payload : List.of("doubles8", "doubles1M")) {
            assertThat(r.out()).as(r.toString())
                    .anyMatch(l -> l.startsWith("jpar-native payload=" + payload + " ") && l.contains(" best_us="))
                    .anyMatch(l -> l.startsWith(c + " payload=" + payload + " ") && l.contains(" jpar_ratio_best=")
                            && l.contains(" jpar_ratio_median=") && l.contains(" jpar_ratio_paired="))
                    .anyMatch(l -> l.startsWith("raw-ffm payload=" + payload + " ") && l.contains(" jpar_ratio_paired="))
                    .anyMatch(l -> l.startsWith("raw-ffm-heap payload=" + payload + " ")
                            && l.contains(" jpar_ratio_paired="))
                    .anyMatch(l -> l.startsWith("ratio payload=" + payload + " native/C best=")
                            && l.contains(" native/raw-ffm best=") && l.contains(" raw-ffm/C best=")
                            && l.contains(" native/raw-ffm-heap best="));
        }
    }

    @ParameterizedTest
    @EnumSource(NativeTests.Mpi.class)
    void pingpongAlternatesWithCAndRawFfmInTheSameRun(NativeTests.Mpi mpi) throws Exception {
        NativeTests.require(mpi);
        Jpar.Result r = NativeTests.exec(List.of(Jpar.home().resolve("mpirun-scripts/jpar").toString(), "bench",
                "pingpong", "--engine", "native", "--mpi", mpi.name, "--scale", "0.01"),
                Map.of("JPAR_JAVA_OPTS", "-Djpar.bench.payloads=bytes8"), 600);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        String c = "c-" + mpi.name;
        assertThat(r.out()).as(r.toString())
                .anyMatch(l -> l.startsWith("jpar-native payload=bytes8 ") && l.contains(" best_us="))
                .anyMatch(l -> l.startsWith(c + " payload=bytes8 ") && l.contains(" jpar_ratio_paired="))
                .anyMatch(l -> l.startsWith("raw-ffm payload=bytes8 ") && l.contains(" jpar_ratio_paired="))
                .anyMatch(l -> l.startsWith("ratio payload=bytes8 native/C best=")
                        && l.contains(" native/raw-ffm best=")
                        && l.contains(" raw-ffm/C best="))
                .noneMatch(l -> l.startsWith("raw-ffm payload=string"));
    }
}
