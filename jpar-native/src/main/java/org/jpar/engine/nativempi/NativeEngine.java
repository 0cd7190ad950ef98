package org.jpar.engine.nativempi;

import java.lang.reflect.InvocationTargetException;
import java.util.Map;

import org.jpar.JparException;
import org.jpar.internal.LastWords;
import org.jpar.internal.LineOutput;
import org.jpar.internal.RankProcess;
import org.jpar.spi.EngineProvider;
import org.jpar.spi.Transport;

/**
 * The native engine: binds the C library of the MPI that launched the process (Open MPI or MPICH, detected from the
 * launcher's environment and cross-checked against the library itself) through Java's Foreign Function &amp; Memory
 * API, with no JNI and no {@code mpi.jar}. Needs JDK 22 or later; its FFM classes are compiled for Java 22 and loaded
 * only then, so the rest of jpar (and this class) still runs on Java 17.
 *
 * <p>Chosen automatically ({@link #detect}): under MPICH's launcher ({@code PMI_RANK} and {@code PMI_SIZE} set and no
 * Open MPI variable) always (MPICH has no other jpar engine); under Open MPI's {@code mpirun} when the JVM is 22 or
 * later (before that the Java-bindings engine {@code openmpi} serves); {@code -Djpar.engine=NAME} (or
 * {@code JPAR_ENGINE}) overrides.
 *
 * <p>Failure stops the whole job as with the Open MPI engine: an exception no code catches, in any thread of any rank,
 * prints {@code jpar: rank R of N failed: ...} with its stack trace and calls {@code MPI_Abort}; {@code MPI_Finalize}
 * runs only when the process ends normally.
 *
 * <p>Settings (system properties of the ranks): {@code -Djpar.native.library=PATH} the MPI library to load instead of
 * the launcher's usual one ({@code libmpi.so.40} for Open MPI, {@code libmpich.so.12} for MPICH);
 * {@code -Djpar.native.threads=multiple|serialized} (default {@code multiple}).
 */
public final class NativeEngine implements EngineProvider {
    /** The engine's name for {@code --engine} and {@code -Djpar.engine}. */
    public static final String NAME = "native";
    /** The first Java feature release with the final FFM API. */
    public static final int JAVA = 22;
    static final String OPEN_MPI_SIZE = "OMPI_COMM_WORLD_SIZE";
    static final String OPEN_MPI_RANK = "OMPI_COMM_WORLD_RANK";
    static final String PMI_SIZE = "PMI_SIZE";
    static final String PMI_RANK = "PMI_RANK";

    /** The launcher's job marker ({@code -Djpar.job=...}): set when {@code jpar run} started this rank. */
    static final String JOB_PROPERTY = "jpar.job";
    /** What a rank started by {@code jpar run} prints once {@code MPI_Finalize} returned (the launcher's check). */
    public static final String FINALIZED = "jpar-native: finalized rank ";
    /**
     * The launcher's Unix-domain socket ({@code jpar run} under MPICH): the rank connects at start, says who it is
     * ({@code MARKER RANK PID}), writes {@code finalized} after {@code MPI_Finalize}, and keeps the connection open
     * until its process ends, so that the launcher learns from Linux which rank ended first.
     */
    public static final String LAUNCHER_SOCKET_PROPERTY = "jpar.native.launcherSocket";

    private static volatile NativeWorld connected;
    /** The connection to the launcher ({@link #LAUNCHER_SOCKET_PROPERTY}), open for the process's life, or null. */
    private static java.nio.channels.SocketChannel launcher;

    /** Public for {@link java.util.ServiceLoader}. */
    public NativeEngine() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean detect(Map<String, String> env) {
        String mpi = mpi(env);
        return mpi != null && (mpi.equals("mpich") || Runtime.version().feature() >= JAVA);
    }

    /** Chosen before the Open MPI Java-bindings engine when both detect the process. */
    @Override
    public int priority() {
        return 1;
    }

    /** @return {@code openmpi} or {@code mpich}: the MPI whose launcher started this process, or null */
    static String mpi(Map<String, String> env) {
        if (env.containsKey(OPEN_MPI_SIZE)) {
            return "openmpi";
        }
        if (env.containsKey(PMI_SIZE) && env.containsKey(PMI_RANK)) {
            return "mpich";
        }
        return null;
    }

    @Override
    public Transport connect() {
        synchronized (NativeEngine.class) {
            return connected != null ? connected : join();
        }
    }

    /**
     * Joins the job, or ends this process: a rank that cannot join (wrong JDK, library or launcher) would leave the
     * others waiting, so the failure is reported once (by the launcher's rank 0) and the process exits with 1.
     */
    private static Transport join() {
        try {
            return tryJoin();
        } catch (RuntimeException | Error e) {
            fail(e);
            throw e; // not reached: fail halts
        }
    }

    private static Transport tryJoin() {
        Map<String, String> env = System.getenv();
        connectLauncher(env);
        if (Runtime.version().feature() < JAVA) {
            throw new JparException("the native engine needs Java " + JAVA + " or later (the Foreign Function & "
                    + "Memory API); this rank runs Java " + Runtime.version().feature() + " from "
                    + System.getProperty("java.home") + ": set JAVA_HOME to a JDK " + JAVA + "+ (e.g. Temurin 25), or "
                    + "use the Java-bindings engine under Open MPI (-Djpar.engine=openmpi)");
        }
        String mpi = mpi(env);
        String launcherSize;
        if (mpi == null) {
            mpi = System.getProperty("jpar.native.mpi", "openmpi"); // a singleton: MPI starts a job of one rank
            launcherSize = null;
        } else {
            launcherSize = env.get(mpi.equals("openmpi") ? OPEN_MPI_SIZE : PMI_SIZE);
        }
        NativeWorld t;
        try {
            t = (NativeWorld) Class.forName("org.jpar.engine.nativempi.ffm.Connect", true,
                            NativeEngine.class.getClassLoader())
                    .getMethod("connect", String.class, int.class, String.class, String.class)
                    .invoke(null, mpi, launcherSize == null ? -1 : Integer.parseInt(launcherSize),
                            System.getProperty("jpar.native.library", System.getenv("JPAR_MPI_LIBRARY")),
                            System.getProperty("jpar.native.threads", "multiple"));
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new JparException("cannot start the native engine: " + cause, cause);
        } catch (ReflectiveOperationException e) {
            throw new JparException("cannot load the native engine's FFM classes (is jpar-native complete on the "
                    + "class path?): " + e, e);
        }
        connected = t;
        LineOutput.installForProcess();
        LastWords.arm();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> fail(e));
        Runtime.getRuntime().addShutdownHook(new Thread(NativeEngine::atExit, "jpar-native-exit"));
        return t;
    }

    /**
     * Reports {@code failure} as this rank's and stops the whole job ({@code MPI_Abort}); never returns. Before MPI is
     * initialized it exits with code 1 (the launcher then stops the other ranks); a failure to join the job is
     * printed by the launcher's rank 0 only, as every rank fails the same way.
     */
    public static void fail(Throwable failure) {
        NativeWorld t = connected;
        LastWords.release();
        try {
            if (t != null || !(failure instanceof JparException) || launcherRank() <= 0) {
                report(t, failure);
            }
        } catch (Throwable e) {
            // the report must never keep the job from being stopped
        }
        stop(t);
    }

    /**
     * The program called {@code abort(code)}: one line naming the rank and the code (unless a failure was reported
     * already), then {@code MPI_Abort} with {@code status}, which ends every rank and makes the launcher exit with it.
     * Never returns.
     */
    public static void aborted(NativeWorld t, int code, int status) {
        RankProcess.aborted(t, code, status);
    }

    private static int launcherRank() {
        Map<String, String> env = System.getenv();
        String r = env.getOrDefault(OPEN_MPI_RANK, env.get(PMI_RANK));
        try {
            return r == null ? -1 : Integer.parseInt(r);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void report(NativeWorld t, Throwable failure) {
        RankProcess.failed(t, failure, t != null || !(failure instanceof JparException));
    }

    private static void stop(NativeWorld t) {
        RankProcess.stop(t);
    }

    /**
     * Connects to the launcher's socket when there is one ({@link #LAUNCHER_SOCKET_PROPERTY}; none on another machine
     * of a hostfile, and then the launcher does without).
     */
    private static void connectLauncher(Map<String, String> env) {
        String path = System.getProperty(LAUNCHER_SOCKET_PROPERTY);
        String marker = System.getProperty(JOB_PROPERTY);
        String rank = env.get(PMI_RANK);
        if (path == null || marker == null || rank == null || launcher != null) {
            return;
        }
        try {
            java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open(
                    java.net.UnixDomainSocketAddress.of(path));
            c.write(java.nio.ByteBuffer.wrap((marker + " " + rank + " " + ProcessHandle.current().pid() + "\n")
                    .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));
            launcher = c;
        } catch (java.io.IOException | RuntimeException e) {
            // no launcher's socket here (another machine): the launcher watches the process table instead
        }
    }

    /** At JVM exit: {@code MPI_Finalize}, unless the rank was killed or called System.exit before finishing. */
    private static void atExit() {
        NativeWorld t = connected;
        boolean finalized = RankProcess.finalizeAtExit(t);
        if (finalized && launcher != null) {
            try {
                launcher.write(java.nio.ByteBuffer.wrap("finalized\n".getBytes(
                        java.nio.charset.StandardCharsets.ISO_8859_1)));
            } catch (java.io.IOException | RuntimeException e) {
                // the launcher is gone: nobody to tell
            }
        }
        if (finalized && System.getProperty(JOB_PROPERTY) != null) {
            // for jpar's launcher, which drops the line: MPICH's mpiexec exits 0 even if a rank never finalized
            System.err.println(FINALIZED + t.rank());
            System.err.flush();
        }
    }
}
