package org.jpar.failures;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/** {@link FailureSuite} on the embedded engine, each rank a virtual thread ({@code -Djpar.threads.ranks=virtual}). */
class ThreadsVirtualFailuresIT extends ThreadsFailuresIT {
    @BeforeAll
    static void jdk24() {
        Assumptions.assumeTrue(Runtime.version().feature() >= 24, "virtual-thread ranks need JDK 24+");
    }

    /**
     * Only while the rank runs: a thread a virtual thread starts is a daemon (Thread's rule: it inherits its parent's
     * daemon status, and a virtual thread is one), so a rank no longer waits for it once main has returned, and an
     * exception it throws after the job ended ends nothing
     * ({@link org.jpar.engine.threads.ThreadsEngine#RANKS_PROPERTY}).
     */
    @Override
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"joined"})
    void anUncaughtExceptionInAThreadARankStartedIsThatRanksFailure(String when) throws Exception {
        super.anUncaughtExceptionInAThreadARankStartedIsThatRanksFailure(when);
    }

    @Override
    protected org.jpar.launcher.Jpar.Result runWithJvmOptions(String jvmOptions, int ranks, String program,
                                                             String... args) throws Exception {
        return super.runWithJvmOptions((jvmOptions + " -Djpar.threads.ranks=virtual").trim(), ranks, program, args);
    }
}
