package org.jpar.engine.mpj;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jpar.launcher.Jpar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** jpar's all-to-all on MPJ Express (its own path, {@code MpjTransport}'s), through {@code jpar run --engine mpj}. */
class MpjAlltoallIT {
    private static final long TIMEOUT_SECONDS = 120;

    @BeforeAll
    static void mpj() {
        MpjTests.requireMpj();
    }

    /**
     * After an all-to-all whose blocks do not match (each rank caught the error), the next all-to-all gets its own
     * blocks: a rank that failed at its first wrong block left the other ranks' blocks unreceived, and the next
     * all-to-all took those (3 ranks: a wrong value or a hang). Blocks of 1 double travel inline; 16,384 doubles
     * (128 KiB) as a header and a bulk part, whose receives the multicore device posts before its sends, from 3
     * ranks on; 2,048 doubles (16 KiB) inline, but the last rank's 32 KiB not. Five times each, which passes the
     * count of all-to-alls those receives' tags hold (a receive left posted by a mismatch took a later block).
     */
    @ParameterizedTest(name = "{0}, blocks of {1} doubles")
    @CsvSource({"multicore, 1", "multicore, 16384", "multicore, 2048", "niodev, 1", "niodev, 16384"})
    void aCaughtMismatchLeavesNoBlockForTheNextAlltoall(String device, int block) throws Exception {
        String marker = "-Djpar.test.marker=" + UUID.randomUUID();
        List<String> cmd = new ArrayList<>(MpjTests.jparRun(device, 3));
        cmd.addAll(List.of("--class-path", Jpar.testClasses(), "org.jpar.programs.CaughtAlltoallMismatch",
                Integer.toString(block), "5"));
        Jpar.Result r = MpjTests.exec(cmd, Map.of("JPAR_JAVA_OPTS", marker), TIMEOUT_SECONDS);
        assertThat(MpjTests.leftovers(marker, 5000)).as(r.toString()).isEmpty();
        assertThat(r.exitCode()).as(r.toString()).isZero();
        for (int rank = 0; rank < 3; rank++) {
            String me = "rank " + rank + ": ";
            assertThat(r.out()).as(r.toString()).anyMatch(l -> l.startsWith(me + "caught alltoall: rank "));
            assertThat(r.out()).as(r.toString()).contains(me + "second alltoall ok");
        }
    }
}
