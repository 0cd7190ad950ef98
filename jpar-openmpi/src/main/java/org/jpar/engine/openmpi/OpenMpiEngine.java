package org.jpar.engine.openmpi;

import java.util.Map;

import org.jpar.JparException;
import org.jpar.internal.LastWords;
import org.jpar.internal.LineOutput;
import org.jpar.internal.RankProcess;
import org.jpar.spi.EngineProvider;
import org.jpar.spi.Transport;

/**
 * The Open MPI engine: chosen automatically in a process started by {@code mpirun} (the environment has
 * {@code OMPI_COMM_WORLD_SIZE}), so {@code mpirun -np 4 java -cp jpar.jar Main} runs like any MPI program.
 * {@link #connect()} initializes MPI ({@code MPI_THREAD_MULTIPLE}) through the installation's {@code mpi.jar}
 * (see {@link OpenMpiInstallation}).
 *
 * <p>A failure anywhere stops the whole job, as under {@code jpar run}: an exception no code catches, in any thread
 * of any rank, prints {@code jpar: rank R of N failed: ...} with its stack trace and calls {@code MPI_Abort}, which
 * ends every rank and makes {@code mpirun} exit non-zero. This holds whatever idiom the exception passes through on
 * its way out (try-with-resources, a finally block calling {@code Par.finish()}, a {@code Pool} closed on the way
 * out), because finishing never waits for the other ranks: {@code Par.finish()} ends the rank's communication, and
 * {@code MPI_Finalize}, which waits for every rank, runs only when the process ends normally (after {@code main}
 * and its non-daemon threads). A rank that called {@code System.exit} before finishing stops the job (its peers may
 * still wait for it). When the heap is full, the failing rank is still named (without its stack trace if there is no
 * room for it).
 *
 * <p>Settings (system properties of the ranks, e.g. through {@code JPAR_JAVA_OPTS}): {@code -Djpar.openmpi.jar=}
 * (or {@code JPAR_OPENMPI_JAR}) the {@code mpi.jar}; {@code -Djpar.openmpi.threads=multiple|single|serialized}
 * the thread support (default {@code multiple}: any thread may communicate; {@code single}: only the thread that
 * started MPI, and a small message takes 40-60 ns less; {@code serialized}: jpar serializes the calls itself).
 */
public final class OpenMpiEngine implements EngineProvider {
    /** The engine's name for {@code --engine} and {@code -Djpar.engine}. */
    public static final String NAME = "openmpi";
    /** Set by {@code mpirun} in every process it starts. */
    public static final String DETECT_VARIABLE = "OMPI_COMM_WORLD_SIZE";

    private static volatile OpenMpiTransport connected;

    /** Public for {@link java.util.ServiceLoader}. */
    public OpenMpiEngine() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean detect(Map<String, String> env) {
        return env.containsKey(DETECT_VARIABLE);
    }

    @Override
    public Transport connect() {
        synchronized (OpenMpiEngine.class) {
            return connected != null ? connected : join();
        }
    }

    private static Transport join() {
        OpenMpiInstallation installation = OpenMpiInstallation.forThisProcess();
        OpenMpiTransport t;
        try {
            t = new OpenMpiTransport(System.getProperty("jpar.openmpi.threads", "multiple"));
        } catch (ExceptionInInitializerError e) {
            Throwable cause = e.getCause();
            throw cause instanceof JparException j ? j : new JparException("cannot load Open MPI's Java bindings from "
                    + installation.jar() + ": " + cause, cause);
        } catch (UnsatisfiedLinkError e) {
            throw new JparException("cannot load Open MPI's JNI library for " + installation + ": " + e.getMessage()
                    + "; it must be the libmpi_java of the same Open MPI (reinstall with mpirun-scripts/install-engines, "
                    + "or give -Djava.library.path=<the folder of libmpi_java.so>)", e);
        }
        connected = t;
        LineOutput.installForProcess(); // whole lines through mpirun, which merges the ranks' output pipes
        LastWords.arm();
        Thread.setDefaultUncaughtExceptionHandler(OpenMpiEngine::uncaught);
        Runtime.getRuntime().addShutdownHook(new Thread(OpenMpiEngine::atExit, "jpar-openmpi-exit"));
        return t;
    }

    /**
     * Reports {@code failure} as this rank's and stops the whole job ({@code MPI_Abort}); never returns. Before MPI
     * is initialized it just exits with code 1 ({@code mpirun} then stops the other ranks).
     */
    public static void fail(Throwable failure) {
        OpenMpiTransport t = connected;
        LastWords.release(); // the rank is over: reporting and aborting may need the memory
        try {
            report(t, failure);
        } catch (Throwable e) {
            // the report must never keep the job from being stopped
        }
        stop(t);
    }

    private static void report(OpenMpiTransport t, Throwable failure) {
        RankProcess.failed(t, failure, true);
    }

    /**
     * The program called {@code abort(code)}: one line naming the rank and the code (unless a failure was reported
     * already), then {@code MPI_Abort} with {@code status}, which ends every rank and makes {@code mpirun} exit with
     * it. Never returns.
     */
    static void aborted(OpenMpiTransport t, int code, int status) {
        RankProcess.aborted(t, code, status);
    }

    private static void uncaught(Thread thread, Throwable e) {
        fail(e);
    }

    private static void stop(OpenMpiTransport t) {
        RankProcess.stop(t);
    }

    /**
     * At JVM exit: {@code MPI_Finalize}, whether or not the program called {@code Par.finish()} (which does not
     * finalize: see the class comment); never block a killed or exiting rank.
     */
    private static void atExit() {
        RankProcess.finalizeAtExit(connected);
    }
}
