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

import org.jpar.JparException;
import org.jpar.engine.openmpi.OpenMpiEngine;
import org.jpar.engine.openmpi.OpenMpiInstallation;
import org.jpar.engine.openmpi.RankMain;
import org.jpar.engine.threads.ThreadsEngine;

/**
 * Runs a job under Open MPI: {@code mpirun [--allow-run-as-root] [--oversubscribe] -np N [--hostfile FILE] java
 * [JPAR_JAVA_OPTS] -Djpar.openmpi.jar=JAR -cp JPAR:CP org.jpar.engine.openmpi.RankMain MAIN ARGS}, one JVM per rank.
 * {@code --oversubscribe} is always given on this machine alone, and with a hostfile when N exceeds its slots;
 * {@code --allow-run-as-root} when the launcher runs as root. JVM options for the ranks come from
 * {@code JPAR_JAVA_OPTS}. The exit code is 0 when {@code mpirun} succeeds, 1 otherwise.
 */
final class OpenMpiLauncher implements Engine {
    /** {@link Job#engineOptions()} entry naming {@code mpi.jar}: {@code mpi-jar=PATH}. */
    static final String MPI_JAR_OPTION = "mpi-jar=";
    /** {@link Job#engineOptions()} entry: run MAIN itself under mpirun, without {@link RankMain} (raw baselines). */
    static final String DIRECT_OPTION = "direct";

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
        List<String> cmd = command(job);
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        // Open MPI 4.1 loses the MPI_ABORT explanation ("ORTE_ERROR_LOG: Data unpack would read past end of
        // buffer") when help messages are aggregated; printing them where they happen keeps it
        pb.environment().putIfAbsent("OMPI_MCA_orte_base_help_aggregate", "0");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UsageException("cannot start " + cmd.get(0) + ": " + e.getMessage());
        }
        Thread stopJob = new Thread(() -> {
            if (p.isAlive()) {
                p.destroy(); // mpirun stops every rank on SIGTERM
            }
        }, "jpar-stop-mpirun");
        Runtime.getRuntime().addShutdownHook(stopJob);
        int code;
        while (true) {
            try {
                code = p.waitFor();
                break;
            } catch (InterruptedException e) {
                p.destroy();
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(stopJob);
        } catch (IllegalStateException e) {
            // the JVM is exiting already
        }
        if (code == 0) {
            return Main.OK;
        }
        System.out.flush();
        System.err.println("jpar: the job was stopped (mpirun exited with code " + code + ")");
        System.err.flush();
        return Main.FAILED;
    }

    /** @return the {@code mpirun} command line for {@code job} (checks everything a user can get wrong first) */
    List<String> command(Job job) {
        Path mpirun = OpenMpiInstallation.mpirun(env);
        if (mpirun == null) {
            throw new UsageException(OpenMpiInstallation.NOT_INSTALLED + " (no mpirun on PATH)");
        }
        if (job.ranks() < 1) {
            throw new UsageException("-np " + job.ranks() + " is out of range: a job needs at least 1 rank");
        }
        String mpiJar = null;
        boolean direct = false;
        for (String o : job.engineOptions()) {
            if (o.startsWith(MPI_JAR_OPTION)) {
                mpiJar = o.substring(MPI_JAR_OPTION.length());
            } else if (o.equals(DIRECT_OPTION)) {
                direct = true;
            }
        }
        OpenMpiInstallation installation;
        try {
            installation = OpenMpiInstallation.locate(mpiJar, env);
        } catch (JparException e) {
            throw new UsageException(e.getMessage());
        }
        Path hostfile = null;
        if (job.hostfile() != null) {
            hostfile = Path.of(job.hostfile()).toAbsolutePath().normalize();
            if (!Files.isRegularFile(hostfile)) {
                throw new UsageException("--hostfile " + job.hostfile() + " does not exist"
                        + (hostfile.toString().equals(job.hostfile()) ? "" : " (" + hostfile + ")"));
            }
        }
        List<String> classPath = classPath(job.classPath());
        checkMainClass(job.mainClass(), classPath);

        List<String> cmd = new ArrayList<>();
        // by name, as a user types it: an absolute path would imply --prefix (and /bin/mpirun a prefix of "/")
        cmd.add("mpirun");
        if (isRoot()) {
            cmd.add("--allow-run-as-root");
        }
        if (hostfile == null || job.ranks() > slots(hostfile)) {
            cmd.add("--oversubscribe");
        }
        cmd.add("-np");
        cmd.add(Integer.toString(job.ranks()));
        if (hostfile != null) {
            cmd.add("--hostfile");
            cmd.add(hostfile.toString());
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String opts = env.get("JPAR_JAVA_OPTS");
        if (opts != null && !opts.isBlank()) {
            cmd.addAll(List.of(opts.trim().split("\\s+")));
        }
        cmd.add("-D" + OpenMpiInstallation.JAR_PROPERTY + "=" + installation.jar());
        cmd.add("-cp");
        cmd.add(String.join(File.pathSeparator, classPath));
        if (!direct) {
            cmd.add(RankMain.class.getName());
        }
        cmd.add(job.mainClass());
        cmd.addAll(job.args());
        return cmd;
    }

    /** jpar's own class path (this JVM's) and then the program's, as absolute paths (ranks may run elsewhere). */
    private static List<String> classPath(String userClassPath) {
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
    private static void checkMainClass(String mainClass, List<String> classPath) {
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

    /** @return the slots a hostfile declares ({@code host slots=K}; a host without slots counts as 1) */
    static int slots(Path hostfile) {
        List<String> lines;
        try {
            lines = Files.readAllLines(hostfile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageException("--hostfile " + hostfile + " cannot be read: " + e.getMessage());
        }
        int slots = 0;
        for (String line : lines) {
            String l = line.replaceFirst("#.*", "").trim();
            if (l.isEmpty()) {
                continue;
            }
            int k = 1;
            for (String token : l.split("\\s+")) {
                if (token.startsWith("slots=")) {
                    try {
                        k = Integer.parseInt(token.substring("slots=".length()));
                    } catch (NumberFormatException e) {
                        throw new UsageException("--hostfile " + hostfile + ": '" + token + "' is not slots=<number>");
                    }
                }
            }
            slots += k;
        }
        return slots;
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
