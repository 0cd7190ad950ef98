package org.jpar.internal;

import java.io.PrintStream;
import java.util.Map;

import org.jpar.internal.diag.Diagnostics;
import org.jpar.spi.Transport;

/**
 * How a rank that is a process of an MPI library (Open MPI's Java bindings, the native engine) reports and ends:
 * the one line a failing or aborting rank prints (at most once per process; the launchers recognise these lines and
 * name the rank from them), {@code MPI_Abort} then halt, and {@code MPI_Finalize} when the JVM exits.
 */
public final class RankProcess {
    private static final Object LOCK = new Object();
    private static boolean reported;

    /** What this class needs of the world transport of an MPI engine. */
    public interface World extends Transport {
        /**
         * Stops the whole job: {@code MPI_Abort} on the world communicator, silently (the caller has said why); does
         * not return when it works.
         */
        void abortJob(int code);

        /** {@code MPI_Finalize}, once (blocks until every rank finalizes); closes first. */
        void finalizeMpi();

        /** @return true once {@link #close()} ended this rank's communication */
        boolean isClosed();

        /** @return true once {@link #finalizeMpi()} ran: MPI can no longer abort the job */
        boolean isFinalized();
    }

    private RankProcess() {
    }

    /**
     * Prints {@code jpar: rank R of N failed: FAILURE}, then the stack trace when {@code stackTrace}, unless this
     * process reported already. When the heap is full, the line comes from {@link LastWords}' reserve.
     *
     * @param t the world, or null when the process never joined the job: then the rank and size its launcher gave
     *        it ({@code OMPI_COMM_WORLD_RANK}/{@code _SIZE} of Open MPI, {@code PMI_RANK}/{@code PMI_SIZE} of MPICH)
     */
    public static void failed(World t, Throwable failure, boolean stackTrace) {
        synchronized (LOCK) {
            if (reported) {
                return;
            }
            reported = true;
            boolean headline = false;
            PrintStream err = System.err;
            try {
                System.out.flush();
                String who = t != null ? "rank " + t.rank() + " of " + t.size()
                        : "rank " + launcherVariable("OMPI_COMM_WORLD_RANK", "PMI_RANK") + " of "
                        + launcherVariable("OMPI_COMM_WORLD_SIZE", "PMI_SIZE");
                err.println("jpar: " + who + " failed: " + failure);
                headline = true;
                if (stackTrace) {
                    failure.printStackTrace(err);
                }
                err.flush();
            } catch (OutOfMemoryError e) {
                err.flush();
                if (!headline && t != null) {
                    LastWords.rankFailed(t.rank(), t.size(), failure);
                }
                LastWords.println("jpar: (no stack trace: the heap is full)");
            }
        }
    }

    /**
     * The program called {@code abort(code)}: one line naming the rank and the code (unless a failure was reported
     * already), then {@code MPI_Abort} with {@code status}, which ends every rank and makes the launcher exit with it.
     * Never returns.
     */
    public static void aborted(World t, int code, int status) {
        synchronized (LOCK) {
            if (!reported) {
                reported = true;
                System.out.flush();
                System.err.println("jpar: rank " + t.rank() + " of " + t.size() + " called abort(" + code
                        + "): the job was stopped (exit code " + status + ")");
                System.err.flush();
            }
        }
        abortAndHalt(t, status);
    }

    /** Stops the whole job ({@code MPI_Abort} unless MPI is finalized or never started) and halts with 1. */
    public static void stop(World t) {
        abortAndHalt(t, 1);
    }

    private static void abortAndHalt(World t, int status) {
        LineOutput.flushProcess(); // the partial lines a halt would lose
        Diagnostics.writePartBeforeHalt();
        if (t != null && !t.isFinalized()) {
            try {
                t.abortJob(status);
            } catch (RuntimeException | Error e) {
                System.err.println("jpar: MPI_Abort failed: " + e);
            }
        }
        Runtime.getRuntime().halt(status);
    }

    /**
     * At JVM exit: {@code MPI_Finalize}, whether or not the program called {@code Par.finish()}; never blocks a rank
     * the launcher is stopping (a signal), and stops the job when the program called {@code System.exit} before
     * {@code Par.finish()} (other ranks may still wait for this one).
     *
     * @return true if this call finalized MPI
     */
    public static boolean finalizeAtExit(World t) {
        if (t == null || t.isFinalized()) {
            return false;
        }
        boolean signalled = false;
        boolean exitCalled = false;
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            String name = e.getKey().getName();
            if (name.startsWith("SIG") && name.endsWith(" handler")) {
                signalled = true;
            }
            for (StackTraceElement f : e.getValue()) {
                if (f.getMethodName().equals("exit")
                        && (f.getClassName().equals("java.lang.Runtime") || f.getClassName().equals("java.lang.System"))) {
                    exitCalled = true;
                }
            }
        }
        if (signalled) {
            return false; // the launcher is stopping the job (another rank failed), or the user pressed Ctrl-C
        }
        if (exitCalled && !t.isClosed()) {
            System.out.flush();
            System.err.println("jpar: rank " + t.rank() + " of " + t.size() + " called System.exit before "
                    + "Par.finish(), while other ranks may still run; the job is stopped. End a rank by returning "
                    + "from main (or call Par.finish() first); stop the job by throwing.");
            System.err.flush();
            stop(t);
        }
        try {
            t.finalizeMpi();
            return true;
        } catch (RuntimeException e) {
            System.err.println("jpar: rank " + t.rank() + ": MPI_Finalize at exit failed: " + e.getMessage());
            return false;
        }
    }

    private static String launcherVariable(String openMpi, String mpich) {
        String v = System.getenv(openMpi);
        v = v != null ? v : System.getenv(mpich);
        return v != null ? v : "?";
    }
}
