package org.jpar.failures;

import static org.assertj.core.api.Assertions.assertThat;

import org.jpar.launcher.Jpar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How a job fails, written once and run as whole jobs on every engine and launch path (one small subclass each): the
 * programs in {@code org.jpar.programs} fail in the ways real programs do, and every time the whole job must end
 * promptly (well within {@link #BOUND_MILLIS}; a hang is killed after {@link #TIMEOUT_SECONDS}), non-zero, with the
 * failing rank named.
 */
public abstract class FailureSuite {
    /** How long a failing job may take, from launch to exit, on a loaded 2-core machine. */
    protected static final long BOUND_MILLIS = 60_000;
    /** After this, the job is called hung and killed with its process tree. */
    protected static final long TIMEOUT_SECONDS = 120;

    /** Runs {@code org.jpar.programs.<program> args...} as {@code ranks} ranks on this suite's engine. */
    protected abstract Jpar.Result run(int ranks, String program, String... args) throws Exception;

    /** Runs with extra JVM options for every rank (e.g. a small heap). */
    protected abstract Jpar.Result runWithJvmOptions(String jvmOptions, int ranks, String program, String... args)
            throws Exception;

    /** Asserts the job failed promptly, non-zero, and said {@code jpar: rank R of N failed: what}. */
    protected void assertRankFailed(Jpar.Result r, int rank, int ranks, String what) {
        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertThat(r.err()).as(r.toString()).anyMatch(l -> l.startsWith("jpar: rank " + rank + " of " + ranks
                + " failed: " + what));
        assertThat(r.millis()).as(r.toString()).isLessThan(BOUND_MILLIS);
    }

    /** {@code Par.abort(code)} ends every rank, the job exits with the code, and one line names the rank and code. */
    @ParameterizedTest(name = "abort({1}) from {0}")
    @CsvSource({"main, 3", "thread, 42", "split, 7", "main, 0", "main, 256"})
    void abortEndsTheWholeJobWithItsCode(String from, int code) throws Exception {
        Jpar.Result r = run(3, "AbortingRank", "1", Integer.toString(code), from);
        int status = (code & 0xFF) == 0 ? 1 : code & 0xFF;
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(status);
        assertThat(r.err()).as(r.toString()).filteredOn(l -> l.startsWith("jpar:")).containsExactly(
                "jpar: rank 1 of 3 called abort(" + code + "): the job was stopped (exit code " + status + ")");
        assertThat(r.err()).as(r.toString()).noneMatch(l -> l.contains("abort returned"));
        assertThat(r.millis()).as(r.toString()).isLessThan(BOUND_MILLIS);
    }

    /**
     * @return false for an engine whose MPI lets ranks pass different counts to a collective unnoticed (MPICH 4.0:
     *         MPI calls it erroneous and leaves it undefined; no check of its own is worth a second collective)
     */
    protected boolean detectsMismatchedCounts() {
        return true;
    }

    /** Arrays of different lengths in one allreduce: the job fails with a message saying so (not a raw MPI error). */
    @Test
    void arraysOfDifferentLengthsInAnAllreduceAreOneClearError() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(detectsMismatchedCounts(),
                "this MPI does not check the counts of a collective (erroneous in MPI, undefined, as in C)");
        Jpar.Result r = run(3, "MismatchedAllreduce");
        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertThat(r.err()).as(r.toString()).anyMatch(l -> l.matches("(?i)jpar: rank \\d of 3 failed: .*allreduce.*")
                && (l.contains("every rank must pass arrays of the same type and length")
                        || l.contains("every rank must pass the same type and length")));
        assertThat(r.millis()).as(r.toString()).isLessThan(BOUND_MILLIS);
    }

    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {2, 4})
    void anExceptionInsideTryWithResourcesWhileOthersWaitInABarrier(int ranks) throws Exception {
        Jpar.Result r = run(ranks, "ThrowInTryWithResources", "barrier", "0");
        assertRankFailed(r, 0, ranks, "java.lang.IllegalStateException: boom in rank 0");
    }

    /** Open MPI: the others sit in MPI_Allreduce itself (blocking, native); the failing rank's abort ends them. */
    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {2, 4})
    void anExceptionInsideTryWithResourcesWhileOthersWaitInAnArrayAllreduce(int ranks) throws Exception {
        Jpar.Result r = run(ranks, "ThrowInTryWithResources", "allreduce", "1");
        assertRankFailed(r, 1, ranks, "java.lang.IllegalStateException: boom in rank 1");
    }

    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {2, 3})
    void anExceptionInsideTryWithResourcesWhileOthersWaitInAReceive(int ranks) throws Exception {
        Jpar.Result r = run(ranks, "ThrowInTryWithResources", "receive", "1");
        assertRankFailed(r, 1, ranks, "java.lang.IllegalStateException: boom in rank 1");
    }

    @Test
    void anExceptionAfterTheOtherRanksReturnedFromMain() throws Exception {
        Jpar.Result r = run(3, "ThrowInTryWithResources", "return", "2");
        assertRankFailed(r, 2, 3, "java.lang.IllegalStateException: boom in rank 2");
    }

    @Test
    void anExceptionWithParFinishInAFinallyBlock() throws Exception {
        Jpar.Result r = run(3, "ThrowWithFinallyFinish");
        assertRankFailed(r, 0, 3, "java.lang.IllegalStateException: boom in rank 0");
    }

    @Test
    void anExceptionInsideAPoolClosedOnTheWayOut() throws Exception {
        Jpar.Result r = run(2, "ThrowInPool", "pool");
        assertRankFailed(r, 0, 2, "java.lang.IllegalStateException: boom in the master, rank 0");
    }

    @Test
    void anExceptionInsideAJobServerClosedOnTheWayOut() throws Exception {
        Jpar.Result r = run(3, "ThrowInPool", "server");
        assertRankFailed(r, 0, 3, "java.lang.IllegalStateException: boom in the master, rank 0");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"joined", "late"})
    void anUncaughtExceptionInAThreadARankStartedIsThatRanksFailure(String when) throws Exception {
        Jpar.Result r = run(2, "ThreadThrows", "1", when);
        assertRankFailed(r, 1, 2, "java.lang.IllegalStateException: boom in a thread of rank 1");
    }

    @Test
    void aRankThatKeepsTheHeapFullIsNamed() throws Exception {
        Jpar.Result r = runWithJvmOptions("-Xmx96m", 3, "HeapHog", "1");
        assertRankFailed(r, 1, 3, "java.lang.OutOfMemoryError");
    }
}
