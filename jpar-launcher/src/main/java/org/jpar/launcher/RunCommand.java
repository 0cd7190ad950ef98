package org.jpar.launcher;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.jpar.JparException;
import org.jpar.internal.Settings;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jpar run -np N [--engine E] MAIN [ARGS...]}. */
@Command(name = "run", mixinStandardHelpOptions = true, separator = " ",
        description = {"Runs MAIN's main(String[]) as N ranks of one SPMD job.",
            "Everything after MAIN is passed to the program untouched."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every rank ended normally", "1:a rank failed (the job was stopped; the rank is named)",
            "2:usage error: a bad option, argument, engine or main class"})
final class RunCommand implements Callable<Integer> {
    /** The engines this launcher knows, by name; those not built yet say so. */
    static final Map<String, Engine> ENGINES = new LinkedHashMap<>();

    static {
        ENGINES.put("threads", new ThreadsLauncher());
        ENGINES.put("openmpi", new OpenMpiLauncher());
        ENGINES.put("mpj", new MpjLauncher());
        ENGINES.put("native", new NativeLauncher());
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-np", "--np"}, paramLabel = "N", defaultValue = "1",
            description = "number of ranks (default: ${DEFAULT-VALUE})")
    int ranks;

    @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = "threads",
            description = "threads (default: ranks as threads of one JVM), openmpi (Open MPI's Java bindings), "
                    + "native (the MPI library itself through FFM: JDK 22+, Open MPI or MPICH) or mpj")
    String engine;

    @Option(names = {"-cp", "--class-path"}, paramLabel = "PATH",
            description = "where the program's classes are (jars and folders, ':'-separated); jpar's own examples "
                    + "need none")
    String classPath;

    @Option(names = "--hostfile", paramLabel = "FILE", description = "hosts to run on (MPI engines)")
    String hostfile;

    @Option(names = "--mpi-jar", paramLabel = "JAR", description = "Open MPI's mpi.jar (--engine openmpi; default: "
            + "-Djpar.openmpi.jar, JPAR_OPENMPI_JAR, then the installation's, from ompi_info or mpirun)")
    String mpiJar;

    @Option(names = "--device", paramLabel = "DEVICE", description = "MPJ Express's device (--engine mpj): multicore "
            + "(default: every rank a thread of one JVM) or niodev (one JVM per rank over TCP; several hosts with "
            + "--hostfile)")
    String device;

    @Option(names = "--mpj-home", paramLabel = "DIR", description = "MPJ Express's home (--engine mpj; default: "
            + "-Djpar.mpj.home, JPAR_MPJ_HOME, MPJ_HOME, then /usr/share/mpj)")
    String mpjHome;

    @Option(names = "--mpi", paramLabel = "MPI", description = "the MPI of --engine native: openmpi (default; its "
            + "mpirun) or mpich (its mpiexec.mpich)")
    String mpi;

    @Option(names = "--trace", paramLabel = "FILE", description = "record every rank's messages, waits, collectives "
            + "and tasks into FILE (Chrome Trace Event JSON: open it in Perfetto or chrome://tracing; 'jpar trace FILE' "
            + "summarizes it and draws it as an HTML page)")
    String trace;

    @Option(names = "--strict", description = "threads engine: strict mode: every send waits for its receive "
            + "(MPI_Ssend), so code that would hang on a cluster deadlocks here and is reported with its cycle; "
            + "mismatched collectives and messages never received fail the job")
    boolean strict;

    @Option(names = "--hang-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "MPI engines: when no rank has made progress for SECONDS (every rank blocked in jpar or "
                    + "finished, none computing), print what each rank waits in and the cycle of waiting ranks "
                    + "(default: ${DEFAULT-VALUE}; 0: off). The embedded engine reports a deadlock within a second.")
    double hangTimeout;

    @Option(names = "--hang-abort", description = "MPI engines: stop a hanging job (exit code 1) after its report")
    boolean hangAbort;

    @Parameters(index = "0", paramLabel = "MAIN", description = "the program's main class, e.g. org.jpar.examples.Ring")
    String mainClass;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "the program's arguments")
    List<String> args = new ArrayList<>();

    /**
     * Checks jpar's numeric system properties ({@code JPAR_JAVA_OPTS="-Djpar...=N"} reaches this JVM as well as the
     * ranks'): a bad one is a usage error here, before any rank starts.
     */
    static void checkSettings() {
        try {
            Settings.checkAll();
        } catch (JparException x) {
            throw new UsageException(x.getMessage());
        }
    }

    @Override
    public Integer call() {
        checkSettings();
        Engine e = engine(spec.commandLine(), engine);
        if (ranks < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "-np " + ranks + " is out of range: a job needs at least 1 rank");
        }
        List<String> options = new ArrayList<>(engineOptions(spec.commandLine(), e, mpiJar, device, mpjHome, mpi));
        boolean threads = e instanceof ThreadsLauncher;
        // ranks that are threads of this JVM: the embedded engine's, and MPJ's multicore device's
        boolean inThisJvm = threads || (e instanceof MpjLauncher && (device == null || device.equals("multicore")));
        if (strict && !threads) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--strict needs --engine threads: strict "
                    + "mode is a check of the embedded engine (run your tests there with it)");
        }
        if (hangTimeout < 0 || Double.isNaN(hangTimeout) || (hangTimeout > 0 && hangTimeout < 0.001)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--hang-timeout " + hangTimeout + " is out "
                    + "of range: give seconds > 0 (at least 0.001), or 0 for no hang report");
        }
        if (hangAbort && hangTimeout == 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--hang-abort needs a --hang-timeout above 0");
        }
        if (inThisJvm && (hangAbort || (hangTimeout > 0
                && spec.commandLine().getParseResult().hasMatchedOption("--hang-timeout")))) {
            String option = hangAbort ? "--hang-abort" : "--hang-timeout";
            throw new CommandLine.ParameterException(spec.commandLine(), threads ? option + " is for the MPI engines' "
                    + "hang report: the embedded engine stops a deadlocked job by itself, within about a second "
                    + "(-Djpar.threads.deadlockMillis sets how long; 0 turns it off)"
                    : option + " does not apply to MPJ's multicore device: it has no hang report yet (its ranks are "
                    + "threads of one JVM); use --device niodev for one, or --engine threads, which reports every "
                    + "deadlock");
        }
        java.nio.file.Path traceFile = trace == null ? null : java.nio.file.Path.of(trace).toAbsolutePath();
        if (!inThisJvm) {
            if (hangTimeout > 0) {
                options.add(OpenMpiLauncher.HANG_OPTION + hangTimeout);
                if (hangAbort) {
                    options.add(OpenMpiLauncher.HANG_ABORT_OPTION);
                }
            }
            if (traceFile != null) {
                options.add(OpenMpiLauncher.JVM_OPTION + "-Djpar.trace=" + traceFile);
            }
        } else {
            if (strict) {
                System.setProperty("jpar.strict", "true");
            }
            if (traceFile != null) {
                System.setProperty("jpar.trace", traceFile.toString());
            }
        }
        if (traceFile != null) {
            TraceFiles.removeParts(traceFile);
            TraceFiles.checkWritable(traceFile);
        }
        int code = e.run(new Engine.Job(ranks, mainClass, List.copyOf(args), classPath, hostfile,
                List.copyOf(options)));
        if (traceFile != null) {
            TraceFiles.finishRun(traceFile, inThisJvm);
        }
        return code;
    }

    static Engine engine(CommandLine line, String name) {
        Engine e = ENGINES.get(name);
        if (e == null) {
            throw new CommandLine.ParameterException(line, "--engine " + name + " is not an engine: choose one of "
                    + String.join(", ", ENGINES.keySet()));
        }
        return e;
    }

    /**
     * @return the engine-specific options: {@code --mpi-jar} for Open MPI, {@code --device}, {@code --mpj-home} for
     *         MPJ, {@code --mpi} for the native engine
     */
    static List<String> engineOptions(CommandLine line, Engine e, String mpiJar, String device, String mpjHome,
            String mpi) {
        List<String> options = new ArrayList<>();
        if (mpi != null) {
            if (!(e instanceof NativeLauncher)) {
                throw new CommandLine.ParameterException(line, "--mpi needs --engine native: it chooses the MPI "
                        + "library the native engine binds (openmpi or mpich)");
            }
            if (!NativeLauncher.MPIS.contains(mpi)) {
                throw new CommandLine.ParameterException(line, "--mpi " + mpi + " is not an MPI jpar binds: choose "
                        + String.join(" or ", NativeLauncher.MPIS));
            }
            options.add(NativeLauncher.MPI_OPTION + mpi);
        }
        if (mpiJar != null) {
            if (!(e instanceof OpenMpiLauncher)) {
                throw new CommandLine.ParameterException(line, "--mpi-jar needs --engine openmpi");
            }
            options.add(OpenMpiLauncher.MPI_JAR_OPTION + mpiJar);
        }
        if (device != null || mpjHome != null) {
            if (!(e instanceof MpjLauncher)) {
                throw new CommandLine.ParameterException(line, (device != null ? "--device" : "--mpj-home")
                        + " needs --engine mpj");
            }
            if (device != null) {
                options.add(MpjLauncher.DEVICE_OPTION + device);
            }
            if (mpjHome != null) {
                options.add(MpjLauncher.HOME_OPTION + mpjHome);
            }
        }
        return List.copyOf(options);
    }
}
