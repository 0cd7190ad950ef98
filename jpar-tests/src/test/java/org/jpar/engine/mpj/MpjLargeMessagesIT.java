package org.jpar.engine.mpj;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.jpar.launcher.Jpar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Large messages on MPJ Express give MPJ's buffers back as soon as MPJ completed them: 200 round trips of a 1 MiB
 * array run in 24 MiB of direct memory (MPJ packs every message into direct buffers). Keeping completed sends for a
 * while (as jpar once did, up to 32 of them) both needed 64 MiB and cycled cold buffers, at 0.4x MPJ's bandwidth.
 */
class MpjLargeMessagesIT {
    @BeforeAll
    static void mpj() {
        MpjTests.requireMpj();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"multicore", "niodev"})
    void manyLargeRoundTripsFitInLittleDirectMemory(String device) throws Exception {
        List<String> cmd = MpjTests.jparRun(device, 2);
        cmd.addAll(List.of("--class-path", Jpar.testClasses(), "org.jpar.programs.LargePingPong", "200"));
        Jpar.Result r = MpjTests.exec(cmd, Map.of("JPAR_JAVA_OPTS", "-XX:MaxDirectMemorySize=24m"), 300);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).contains("rank 0 done", "rank 1 done");
    }
}
