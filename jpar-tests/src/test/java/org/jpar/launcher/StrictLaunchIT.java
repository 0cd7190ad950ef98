package org.jpar.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code jpar run --strict} (issue 13): the exchange that passes on the embedded engine and hangs on a cluster. */
class StrictLaunchIT {
    @Test
    void theSendFirstExchangePassesByDefaultAndIsADeadlockWithStrict() throws Exception {
        Jpar.Result plain = Jpar.run(60, "run", "-np", "2", "--class-path", Jpar.testClasses(),
                "org.jpar.programs.SendFirstExchange");
        assertThat(plain.exitCode()).as(plain.toString()).isZero();
        Jpar.Result strict = Jpar.run(60, "run", "--strict", "-np", "2", "--class-path", Jpar.testClasses(),
                "org.jpar.programs.SendFirstExchange");
        assertThat(strict.exitCode()).as(strict.toString()).isEqualTo(1);
        assertThat(strict.err()).as(strict.toString())
                .contains("jpar: deadlock: every rank is waiting for a message that no rank can send",
                        "  cycle: rank 0 waits for rank 1, which waits for rank 0")
                .anyMatch(l -> l.startsWith("  rank 0: waits in send(dest=1, tag=0) of 8192 bytes at "
                        + "org.jpar.programs.SendFirstExchange.main(SendFirstExchange.java:15)"));
    }

    @Test
    void aMismatchedCollectiveIsItsMessageAndTheProgramsFramesNotJparsInternals() throws Exception {
        Jpar.Result r = Jpar.run(60, "run", "--strict", "-np", "2", "--class-path", Jpar.testClasses(),
                "org.jpar.programs.MismatchedCollectives");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString())
                .anyMatch(l -> l.matches("jpar: rank [01] of 2 failed: org.jpar.JparException: strict mode: ranks call "
                        + "different collectives as their collective #1 on this communicator: .*"))
                .anyMatch(l -> l.matches("\\tat org\\.jpar\\.Communicator\\.(barrier|broadcast)\\("
                        + "Communicator\\.java:\\d+\\)"))
                .anyMatch(l -> l.matches("\\tat .*org\\.jpar\\.programs\\.MismatchedCollectives\\.main\\("
                        + "MismatchedCollectives\\.java:1[46]\\)"))
                .noneMatch(l -> l.matches("\\tat (org\\.jpar\\.(internal|engine|spi)\\.|org\\.jpar\\.Communicator\\."
                        + "(lambda|collective)).*"));
    }

    @Test
    void strictNeedsTheEmbeddedEngine() throws Exception {
        Jpar.Result r = Jpar.run(60, "run", "--strict", "--engine", "openmpi", "-np", "2", "org.jpar.examples.Ring");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().get(0)).startsWith("jpar: --strict needs --engine threads");
    }
}
