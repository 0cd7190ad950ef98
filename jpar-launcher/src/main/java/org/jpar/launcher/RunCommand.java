package org.jpar.launcher;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

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

    @Parameters(index = "0", paramLabel = "MAIN", description = "the program's main class, e.g. org.jpar.examples.Ring")
    String mainClass;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "the program's arguments")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        Engine e = engine(spec.commandLine(), engine);
        if (ranks < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "-np " + ranks + " is out of range: a job needs at least 1 rank");
        }
        return e.run(new Engine.Job(ranks, mainClass, List.copyOf(args), classPath, hostfile,
                engineOptions(spec.commandLine(), e, mpiJar, device, mpjHome, mpi)));
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
                throw new CommandLine.ParameterException(line, "--mpi needs --engine native (the Java-bindings "
                        + "engine openmpi runs on Open MPI only)");
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

    /** An engine this build cannot run yet. */
    private record Unavailable(String name, String product) implements Engine {
        @Override
        public int run(Job job) {
            throw new UsageException("--engine " + name + " (" + product + ") is not available yet in this version "
                    + "of jpar; use --engine threads");
        }
    }
}
