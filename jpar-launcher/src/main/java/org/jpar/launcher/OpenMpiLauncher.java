package org.jpar.launcher;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.jar.JarFile;
import java.util.regex.Pattern;

import org.jpar.JparException;
import org.jpar.internal.Settings;
import org.jpar.engine.openmpi.OpenMpiEngine;
import org.jpar.engine.openmpi.OpenMpiInstallation;
import org.jpar.engine.openmpi.RankMain;
import org.jpar.engine.threads.ThreadsEngine;

/**
 * Runs a job under Open MPI: {@code mpirun [--allow-run-as-root] [--oversubscribe] -np N [--hostfile FILE] java
 * QUIET_JVM_OPTIONS [JPAR_JAVA_OPTS] -Djpar.openmpi.jar=JAR -cp JPAR:CP org.jpar.engine.openmpi.RankMain MAIN ARGS},
 * one JVM per rank.
 * {@code --oversubscribe} is always given on this machine alone, and with a hostfile when N exceeds its slots;
 * {@code --allow-run-as-root} when the launcher runs as root. JVM options for the ranks come from
 * {@code JPAR_JAVA_OPTS}, plus {@code -Djpar.job=MARKER} that names the job's processes. The exit code is 0 when
 * {@code mpirun} succeeds, 1 otherwise. {@link MpirunJob} supervises {@code mpirun} (signals, hangs, a killed
 * launcher). Bad input (a hostfile, {@code mpi.jar}, {@code -np} beyond {@link #MAX_RANKS_PER_SLOT} per slot) is a
 * usage error here, before {@code mpirun} starts.
 */
final class OpenMpiLauncher implements Engine {
    /** {@link Job#engineOptions()} entry naming {@code mpi.jar}: {@code mpi-jar=PATH}. */
    static final String MPI_JAR_OPTION = "mpi-jar=";
    /** {@link Job#engineOptions()} entry: run MAIN itself under mpirun, without {@link RankMain} (raw baselines). */
    static final String DIRECT_OPTION = "direct";
    /** {@link Job#engineOptions()} entry: the native engine's ranks (no {@code mpi.jar}), see {@link NativeLauncher}. */
    static final String NATIVE_OPTION = "native";
    /** {@link Job#engineOptions()} entry: a JVM option for every rank, e.g. {@code jvm-option=-Djpar.trace=F}. */
    static final String JVM_OPTION = "jvm-option=";
    /** {@link Job#engineOptions()} entry: the hang timeout in seconds, {@code hang=60}; absent: no hang watch. */
    static final String HANG_OPTION = "hang=";
    /** {@link Job#engineOptions()} entry: stop a hanging job. */
    static final String HANG_ABORT_OPTION = "hang-abort";
    /** System property of the launcher: seconds mpirun may take to end after a failure or a stop. */
    static final String GRACE_PROPERTY = Settings.GRACE_SECONDS.name();
    static final int DEFAULT_GRACE_SECONDS = 10;
    /** Ranks per slot (per core without a hostfile) above which jpar refuses a job: each rank is a JVM. */
    static final int MAX_RANKS_PER_SLOT = 16;
    /**
     * JVM options every rank gets, before {@code JPAR_JAVA_OPTS}: on JDK 24 and later they keep the JVM's warnings
     * about {@code sun.misc.Unsafe} (used by Apache Fory; JEP 471/498) and about {@code System.loadLibrary} by
     * Open MPI's {@code mpi.MPI} (JEP 472) out of the user's output; JDK 17 accepts both and ignores them.
     * {@code mpirun-scripts/jpar} starts the launcher's own JVM with the same two.
     */
    static final List<String> QUIET_JVM_OPTIONS = List.of("--enable-native-access=ALL-UNNAMED",
            "-Dsun.misc.unsafe.memory.access=allow");
    /** The fewest ranks jpar always allows, however few the slots. */
    static final int MIN_RANK_LIMIT = 64;
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9_.:%@\\[\\]+^-]+");
    private static final Pattern COUNT_KEY = Pattern.compile("slots|count|cpu|cpus|max_slots|max-slots|slots_max"
            + "|boards|sockets|sockets_per_board|cores|cores_per_socket");

    private final Map<String, String> env;

    OpenMpiLauncher() {
        this(System.getenv());
    }

    /** @param env the environment to find {@code mpirun}, {@code mpi.jar} and {@code JPAR_JAVA_OPTS} in */
    OpenMpiLauncher(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public String name() {
        return OpenMpiEngine.NAME;
    }

    @Override
    public int run(Job job) {
        String marker = UUID.randomUUID().toString();
        List<String> cmd = command(job, marker);
        return watchHangs(new MpirunJob(marker, graceSeconds()), job).run(cmd);
    }

    /** @return {@code mpirun}, watching for hangs when the job asks for it ({@link #HANG_OPTION}) */
    static MpirunJob watchHangs(MpirunJob mpirun, Job job) {
        for (String o : job.engineOptions()) {
            if (o.startsWith(HANG_OPTION)) {
                mpirun.watchHangs(new HangMonitor(job.ranks(), Double.parseDouble(o.substring(HANG_OPTION.length()))),
                        job.engineOptions().contains(HANG_ABORT_OPTION));
            }
        }
        return mpirun;
    }

    /** Adds the ranks' JVM options for the trace and hang watch the job asks for ({@link #JVM_OPTION}, {@link #HANG_OPTION}). */
    static void addDiagnostics(List<String> cmd, Job job) {
        for (String o : job.engineOptions()) {
            if (o.startsWith(JVM_OPTION)) {
                cmd.add(o.substring(JVM_OPTION.length()));
            } else if (o.startsWith(HANG_OPTION)) {
                cmd.add("-Djpar.hang.timeout=" + o.substring(HANG_OPTION.length()));
                cmd.add("-Djpar.hang.launcher=true");
            }
        }
    }

    /** @return how long mpirun may take to end after a failure or a stop before jpar kills the job */
    static int graceSeconds() {
        return Settings.GRACE_SECONDS.getInt(DEFAULT_GRACE_SECONDS);
    }

    /** @return the {@code mpirun} command line for {@code job} (checks everything a user can get wrong first) */
    List<String> command(Job job) {
        return command(job, null);
    }

    /**
     * @param marker when not null, given to every rank's JVM as {@code -Djpar.job=MARKER}, so that every process
     *               of the job (mpirun, whose arguments hold it, and the ranks) can be found by it
     */
    List<String> command(Job job, String marker) {
        Path mpirun = OpenMpiInstallation.mpirun(env);
        if (mpirun == null) {
            throw new UsageException(OpenMpiInstallation.NOT_INSTALLED + " (no mpirun on PATH)");
        }
        if (job.ranks() < 1) {
            throw new UsageException("-np " + job.ranks() + " is out of range: a job needs at least 1 rank");
        }
        String mpiJar = null;
        boolean direct = false;
        boolean nativeEngine = false;
        for (String o : job.engineOptions()) {
            if (o.startsWith(MPI_JAR_OPTION)) {
                mpiJar = o.substring(MPI_JAR_OPTION.length());
            } else if (o.equals(DIRECT_OPTION)) {
                direct = true;
            } else if (o.equals(NATIVE_OPTION)) {
                nativeEngine = true;
            }
        }
        OpenMpiInstallation installation = null;
        if (!nativeEngine) {
            try {
                installation = OpenMpiInstallation.locate(mpiJar, env);
            } catch (JparException e) {
                throw new UsageException(e.getMessage());
            }
            checkMpiJar(installation.jar(), mpiJar != null ? "--mpi-jar" : null);
        }
        Path hostfile = null;
        int slots = Runtime.getRuntime().availableProcessors();
        if (job.hostfile() != null) {
            hostfile = Path.of(job.hostfile()).toAbsolutePath().normalize();
            String shown = job.hostfile() + (hostfile.toString().equals(job.hostfile()) ? "" : " (" + hostfile + ")");
            if (!Files.exists(hostfile)) {
                throw new UsageException("--hostfile " + shown + " does not exist");
            }
            if (!Files.isRegularFile(hostfile)) {
                String what = Files.isDirectory(hostfile) ? "a folder" : "not a regular file";
                throw new UsageException("--hostfile " + shown + " is " + what + ": give a file that lists one host "
                        + "per line, e.g. 'node1 slots=4' (see hostfile.example)");
            }
            slots = slots(hostfile);
            long hardLimit = maxSlots(hostfile);
            if (hardLimit >= 0 && job.ranks() > hardLimit) {
                throw new UsageException("-np " + job.ranks() + " is more than the " + hardLimit + " max_slots "
                        + job.hostfile() + " allows (a hard limit on every host): lower -np, or raise max_slots");
            }
        }
        long limit = Math.max(MIN_RANK_LIMIT, (long) MAX_RANKS_PER_SLOT * slots);
        if (job.ranks() > limit) {
            throw new UsageException("-np " + job.ranks() + " is out of range: Open MPI runs every rank as a JVM, and "
                    + "jpar starts at most " + limit + " (" + MAX_RANKS_PER_SLOT + " per slot, " + slots + " slot(s) "
                    + (hostfile == null ? "on this machine's cores" : "in " + job.hostfile()) + "); give a --hostfile "
                    + "with more slots, or use --engine threads for many light ranks");
        }
        List<String> classPath = classPath(job.classPath());
        checkMainClass(job.mainClass(), classPath);

        List<String> cmd = new ArrayList<>();
        // by name, as a user types it: an absolute path would imply --prefix (and /bin/mpirun a prefix of "/")
        cmd.add("mpirun");
        if (isRoot()) {
            cmd.add("--allow-run-as-root");
        }
        if (hostfile == null || job.ranks() > slots) {
            cmd.add("--oversubscribe");
        }
        cmd.add("-np");
        cmd.add(Integer.toString(job.ranks()));
        if (hostfile != null) {
            cmd.add("--hostfile");
            cmd.add(hostfile.toString());
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(QUIET_JVM_OPTIONS);
        String opts = env.get("JPAR_JAVA_OPTS");
        if (opts != null && !opts.isBlank()) {
            cmd.addAll(List.of(opts.trim().split("\\s+")));
        }
        addDiagnostics(cmd, job);
        if (marker != null) {
            cmd.add("-D" + MpirunJob.MARKER_PROPERTY + "=" + marker);
        }
        if (installation != null) {
            cmd.add("-D" + OpenMpiInstallation.JAR_PROPERTY + "=" + installation.jar());
        }
        cmd.add("-cp");
        cmd.add(String.join(File.pathSeparator, classPath));
        if (!direct) {
            cmd.add(nativeEngine ? org.jpar.engine.nativempi.RankMain.class.getName() : RankMain.class.getName());
        }
        cmd.add(job.mainClass());
        cmd.addAll(job.args());
        return cmd;
    }

    /** jpar's own class path (this JVM's) and then the program's, as absolute paths (ranks may run elsewhere). */
    static List<String> classPath(String userClassPath) {
        Map<String, Boolean> entries = new LinkedHashMap<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!e.isEmpty()) {
                entries.put(Path.of(e).toAbsolutePath().normalize().toString(), Boolean.TRUE);
            }
        }
        if (userClassPath != null) {
            for (String e : userClassPath.split(File.pathSeparator)) {
                if (e.isEmpty()) {
                    continue;
                }
                Path p = Path.of(e).toAbsolutePath().normalize();
                if (!Files.exists(p)) {
                    throw new UsageException("--class-path entry " + e + " does not exist");
                }
                entries.put(p.toString(), Boolean.TRUE);
            }
        }
        return new ArrayList<>(entries.keySet());
    }

    /** Fails here, once, instead of in every rank, when the main class is missing or has no main method. */
    static void checkMainClass(String mainClass, List<String> classPath) {
        List<URL> urls = new ArrayList<>();
        for (String e : classPath) {
            try {
                urls.add(Path.of(e).toUri().toURL());
            } catch (MalformedURLException ex) {
                throw new UsageException("--class-path entry " + e + " is not a valid path: " + ex.getMessage());
            }
        }
        try (URLClassLoader loader = new URLClassLoader("jpar-check", urls.toArray(new URL[0]),
                ClassLoader.getPlatformClassLoader())) {
            ThreadsEngine.checkMainClass(mainClass, loader);
        } catch (JparException e) {
            throw new UsageException(e.getMessage());
        } catch (IOException e) {
            // closing the checking loader failed: irrelevant
        }
    }

    /**
     * @return the slots a hostfile declares ({@code host slots=K}; a host without slots counts as 1)
     * @throws UsageException naming {@code file:line} when a line is not {@code HOST [key=N]...} or no host is listed
     */
    static int slots(Path hostfile) {
        List<String> lines;
        try {
            lines = Files.readAllLines(hostfile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageException("--hostfile " + hostfile + " cannot be read: " + e);
        }
        String form = ": each line is a host name and optional slots=N and max_slots=N, e.g. 'node1 slots=4' (see "
                + "hostfile.example)";
        long slots = 0;
        int hosts = 0;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).replaceFirst("#.*", "").trim();
            if (l.isEmpty()) {
                continue;
            }
            String where = "--hostfile " + hostfile + ":" + (i + 1) + ": ";
            String[] tokens = l.split("\\s+");
            if (!HOST.matcher(tokens[0]).matches()) {
                throw new UsageException(where + "'" + tokens[0] + "' is not a host name" + form);
            }
            int k = 1;
            for (int t = 1; t < tokens.length; t++) {
                String token = tokens[t];
                int eq = token.indexOf('=');
                if (eq < 0 || !COUNT_KEY.matcher(token.substring(0, eq)).matches()) {
                    throw new UsageException(where + "'" + token + "' is not slots=N or max_slots=N" + form);
                }
                int n;
                try {
                    n = Integer.parseInt(token.substring(eq + 1));
                } catch (NumberFormatException e) {
                    n = -1;
                }
                if (n < 1) {
                    throw new UsageException(where + "'" + token + "': " + token.substring(0, eq) + " must be a "
                            + "whole number of at least 1" + form);
                }
                if (token.startsWith("slots=") || token.startsWith("count=") || token.startsWith("cpu")) {
                    k = n;
                }
            }
            hosts++;
            slots += k;
        }
        if (hosts == 0) {
            throw new UsageException("--hostfile " + hostfile + " lists no host" + form);
        }
        return (int) Math.min(Integer.MAX_VALUE, slots);
    }

    /**
     * @return the sum of the hosts' {@code max_slots} (Open MPI's hard limit) when every host of an already checked
     *         hostfile gives one, else -1 (no hard limit: jpar may oversubscribe)
     */
    static long maxSlots(Path hostfile) {
        long sum = 0;
        try {
            for (String line : Files.readAllLines(hostfile, StandardCharsets.UTF_8)) {
                String l = line.replaceFirst("#.*", "").trim();
                if (l.isEmpty()) {
                    continue;
                }
                long max = -1;
                for (String token : l.split("\\s+")) {
                    if (token.matches("(max_slots|max-slots|slots_max)=\\d+")) {
                        max = Long.parseLong(token.substring(token.indexOf('=') + 1));
                    }
                }
                if (max < 0) {
                    return -1;
                }
                sum += max;
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return sum;
    }

    /** Refuses, once here instead of in every rank, an {@code mpi.jar} that is not a jar of Open MPI's bindings. */
    static void checkMpiJar(Path jar, String option) {
        String from = option == null ? "" : " (from " + option + ")";
        String what = "; give the mpi.jar of your Open MPI installation (built with --enable-mpi-java), or run "
                + "mpirun-scripts/install-engines";
        try (JarFile f = new JarFile(jar.toFile())) {
            if (f.getEntry("mpi/MPI.class") == null) {
                throw new UsageException("mpi.jar " + jar + from + " has no class mpi.MPI: it is not Open MPI's Java "
                        + "bindings" + what);
            }
        } catch (IOException e) {
            throw new UsageException("mpi.jar " + jar + from + " is not a readable jar (" + e.getMessage() + ")"
                    + what);
        }
    }

    /** @return true when this process runs as root (effective uid 0), for mpirun's {@code --allow-run-as-root} */
    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("Uid:")) {
                    String[] f = line.substring(4).trim().split("\\s+");
                    return f.length > 1 && f[1].equals("0");
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall back to the user name
        }
        return "root".equals(System.getProperty("user.name"));
    }
}
