package org.jpar.launcher;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jpar.engine.nativempi.NativeEngine;
import org.jpar.engine.nativempi.RankMain;

/**
 * Runs a job on the native engine (the MPI library itself through FFM), one JVM per rank, under the chosen MPI's own
 * launcher: Open MPI's {@code mpirun} (the same command as {@link OpenMpiLauncher}, without {@code mpi.jar}) or
 * MPICH's {@code mpiexec.mpich -n N [-f HOSTFILE] java ... org.jpar.engine.nativempi.RankMain MAIN ARGS}. The ranks
 * run on this launcher's JDK ({@code JAVA_HOME}), which must be 22 or later. {@link MpirunJob} supervises the
 * launcher; under MPICH, whose {@code mpiexec} exits 0 when a rank ends without {@code MPI_Finalize}, every rank
 * reports its finalization and a missing one fails the job.
 */
final class NativeLauncher implements Engine {
    /** {@link Job#engineOptions()} entry naming the MPI: {@code mpi=openmpi} or {@code mpi=mpich}. */
    static final String MPI_OPTION = "mpi=";
    /** The MPIs {@code --mpi} accepts. */
    static final List<String> MPIS = List.of("openmpi", "mpich");
    /** MPICH's launcher as Debian installs it beside Open MPI (which keeps {@code mpirun}/{@code mpiexec}). */
    static final String MPICH_LAUNCHER = "mpiexec.mpich";

    private final Map<String, String> env;

    NativeLauncher() {
        this(System.getenv());
    }

    NativeLauncher(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public String name() {
        return NativeEngine.NAME;
    }

    @Override
    public int run(Job job) {
        String marker = UUID.randomUUID().toString();
        String mpi = mpi(job);
        List<String> cmd = command(job, marker);
        if (!mpi.equals("mpich")) {
            return OpenMpiLauncher.watchHangs(new MpirunJob(marker, OpenMpiLauncher.graceSeconds(), 0), job).run(cmd);
        }
        // MPICH's launcher names neither the rank that ended first nor how; the ranks' connections tell which
        try (RankExits exits = RankExits.open(marker, job.ranks())) {
            if (exits != null) {
                cmd.add(cmd.indexOf(RankMain.class.getName()) - 2, "-D" + NativeEngine.LAUNCHER_SOCKET_PROPERTY + "="
                        + exits.path());
            }
            return OpenMpiLauncher.watchHangs(new MpirunJob(marker, OpenMpiLauncher.graceSeconds(), job.ranks())
                    .exits(exits), job).run(cmd);
        }
    }

    static String mpi(Job job) {
        for (String o : job.engineOptions()) {
            if (o.startsWith(MPI_OPTION)) {
                return o.substring(MPI_OPTION.length());
            }
        }
        return "openmpi";
    }

    /** @return the launcher's command line for {@code job} (checks everything a user can get wrong first) */
    List<String> command(Job job, String marker) {
        int feature = Runtime.version().feature(); // the ranks' too: the launcher starts them with its own java
        if (feature < NativeEngine.JAVA) {
            throw new UsageException("--engine native needs Java " + NativeEngine.JAVA + " or later for the ranks "
                    + "(the Foreign Function & Memory API), but JAVA_HOME is Java " + feature + " ("
                    + System.getProperty("java.home") + "): set JAVA_HOME to a JDK " + NativeEngine.JAVA
                    + "+ (e.g. /usr/lib/jvm/temurin-25-jdk-amd64), or use --engine openmpi on this JDK");
        }
        String mpi = mpi(job);
        if (mpi.equals("openmpi")) {
            List<String> options = new ArrayList<>(job.engineOptions());
            options.removeIf(o -> o.startsWith(MPI_OPTION));
            options.add(OpenMpiLauncher.NATIVE_OPTION);
            return new OpenMpiLauncher(env).command(new Job(job.ranks(), job.mainClass(), job.args(), job.classPath(),
                    job.hostfile(), options), marker);
        }
        return mpichCommand(job, marker);
    }

    private List<String> mpichCommand(Job job, String marker) {
        Path mpiexec = onPath(MPICH_LAUNCHER);
        if (mpiexec == null) {
            throw new UsageException("MPICH is not installed: no " + MPICH_LAUNCHER + " on PATH; install it with "
                    + "mpirun-scripts/install-engines (Debian: apt-get install mpich libmpich-dev), or use --mpi "
                    + "openmpi");
        }
        if (job.ranks() < 1) {
            throw new UsageException("-np " + job.ranks() + " is out of range: a job needs at least 1 rank");
        }
        int slots = Runtime.getRuntime().availableProcessors();
        Path hydraHosts = null;
        if (job.hostfile() != null) {
            Path hostfile = Path.of(job.hostfile()).toAbsolutePath().normalize();
            if (!Files.isRegularFile(hostfile)) {
                throw new UsageException("--hostfile " + job.hostfile() + (Files.exists(hostfile)
                        ? " is not a regular file" : " does not exist") + ": give a file that lists one host per "
                        + "line, e.g. 'node1 slots=4' (see hostfile.example)");
            }
            slots = OpenMpiLauncher.slots(hostfile);
            hydraHosts = hydraHostfile(hostfile, marker);
        }
        long limit = Math.max(OpenMpiLauncher.MIN_RANK_LIMIT, (long) OpenMpiLauncher.MAX_RANKS_PER_SLOT * slots);
        if (job.ranks() > limit) {
            throw new UsageException("-np " + job.ranks() + " is out of range: MPICH runs every rank as a JVM, and "
                    + "jpar starts at most " + limit + " (" + OpenMpiLauncher.MAX_RANKS_PER_SLOT + " per slot, "
                    + slots + " slot(s)); give a --hostfile with more slots, or use --engine threads");
        }
        List<String> classPath = OpenMpiLauncher.classPath(job.classPath());
        OpenMpiLauncher.checkMainClass(job.mainClass(), classPath);
        // -print-all-exitcodes: how each rank ended (the launcher keeps that line from the user)
        List<String> cmd = new ArrayList<>(List.of(MPICH_LAUNCHER, "-print-all-exitcodes", "-n",
                Integer.toString(job.ranks())));
        if (hydraHosts != null) {
            cmd.addAll(List.of("-f", hydraHosts.toString()));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(OpenMpiLauncher.QUIET_JVM_OPTIONS);
        String opts = env.get("JPAR_JAVA_OPTS");
        if (opts != null && !opts.isBlank()) {
            cmd.addAll(List.of(opts.trim().split("\\s+")));
        }
        OpenMpiLauncher.addDiagnostics(cmd, job);
        if (marker != null) {
            cmd.add("-D" + MpirunJob.MARKER_PROPERTY + "=" + marker);
        }
        cmd.add("-cp");
        cmd.add(String.join(File.pathSeparator, classPath));
        cmd.add(RankMain.class.getName());
        cmd.add(job.mainClass());
        cmd.addAll(job.args());
        return cmd;
    }

    /**
     * @return a copy of an Open MPI style hostfile ({@code host slots=N}, checked already) in MPICH's Hydra format
     *         ({@code host:N}), removed when this JVM exits
     */
    private static Path hydraHostfile(Path hostfile, String marker) {
        try {
            List<String> out = new ArrayList<>();
            for (String line : Files.readAllLines(hostfile, StandardCharsets.UTF_8)) {
                String l = line.replaceFirst("#.*", "").trim();
                if (l.isEmpty()) {
                    continue;
                }
                String[] tokens = l.split("\\s+");
                String n = "1";
                for (String t : tokens) {
                    if (t.startsWith("slots=")) {
                        n = t.substring("slots=".length());
                    }
                }
                out.add(tokens[0] + ":" + n);
            }
            Path hydra = Files.createTempFile("jpar-hosts-" + (marker == null ? "" : marker.substring(0, 8)), ".txt");
            Files.write(hydra, out, StandardCharsets.UTF_8);
            hydra.toFile().deleteOnExit();
            return hydra;
        } catch (IOException e) {
            throw new UsageException("--hostfile " + hostfile + " cannot be read: " + e);
        }
    }

    private static Path onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return p;
            }
        }
        return null;
    }
}
