package org.jpar.engine.mpj;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.jpar.launcher.Jpar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MPJ Express's multicore device waits for a receive in a semaphore that a spurious wakeup of {@code Object.wait}
 * lets through before the message is there (then MPJ throws {@code mpjbuf.BufferUnderflowException} and the message
 * is lost: once in about six CI runs of the contract's long ping-pong). jpar's receives wait on their own doorbell
 * instead ({@link Doorbell}): waking every thread that waits in MPJ, as a spurious wakeup would, finds none of them.
 */
class MpjMulticoreWakeupIT {
    @BeforeAll
    static void mpj() {
        MpjTests.requireMpj();
    }

    @Test
    void aReceiveWokenSpuriouslyStillGetsItsMessage() throws Exception {
        List<String> cmd = MpjTests.jparRun("multicore", 2);
        cmd.addAll(List.of("--class-path", Jpar.testClasses(), "org.jpar.programs.SpuriousWakeup"));
        Jpar.Result r = MpjTests.exec(cmd, Map.of(), 120);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).contains("rank 0 found 1 pending receive(s), woke 0",
                "rank 1 got [1, 2, 3, 4, 5, 6, 7, 8]");
        assertThat(r.err()).as(r.toString()).isEmpty();
    }
}
