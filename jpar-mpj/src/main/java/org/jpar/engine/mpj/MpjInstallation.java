package org.jpar.engine.mpj;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jpar.JparException;

/**
 * Where this machine's MPJ Express is: its home ({@code MPJ_HOME}, with {@code lib/*.jar} and
 * {@code conf/mpjexpress.conf}) and the log4j 1.2 jar its classes need at run time (every MPJ jar's manifest asks for
 * {@code log4j-1.2.jar} next to it, which Debian does not put there). jpar never bundles or modifies MPJ's jars: it
 * loads them, with log4j, in class loaders of its own, so neither {@code mpi.jar} nor log4j is ever on the
 * application's class path (Open MPI's {@code mpi.jar} defines the same class names).
 *
 * <p>The home is, in order: the launcher's {@code --mpj-home}, {@code -Djpar.mpj.home}, the environment variable
 * {@code JPAR_MPJ_HOME}, {@code MPJ_HOME}, and Debian's {@code /usr/share/mpj} ({@code apt-get install libmpj-java},
 * which {@code mpirun-scripts/install-engines} does). log4j is: {@code -Djpar.mpj.log4j} or {@code JPAR_MPJ_LOG4J},
 * else a {@code log4j-1.2*.jar} or {@code reload4j*.jar} in the home's {@code lib}, else Debian's
 * {@code /usr/share/java/log4j-1.2.jar} or {@code reload4j.jar}. A path that is given but does not exist is an error.
 *
 * <p>Internal: public for the launcher; not part of jpar's API.
 */
public final class MpjInstallation {
    /** System property naming MPJ Express's home. */
    public static final String HOME_PROPERTY = "jpar.mpj.home";
    /** Environment variable naming MPJ Express's home (before {@code MPJ_HOME}). */
    public static final String HOME_ENV = "JPAR_MPJ_HOME";
    /** System property naming the log4j 1.2 (or reload4j) jar. */
    public static final String LOG4J_PROPERTY = "jpar.mpj.log4j";
    /** Environment variable naming the log4j 1.2 (or reload4j) jar. */
    public static final String LOG4J_ENV = "JPAR_MPJ_LOG4J";
    /** Debian's home of {@code libmpj-java}. */
    static final Path DEBIAN_HOME = Path.of("/usr/share/mpj");
    private static final Path[] SYSTEM_LOG4J = {Path.of("/usr/share/java/log4j-1.2.jar"),
        Path.of("/usr/share/java/reload4j.jar")};
    /** The jars the multicore device shares between ranks, and those every rank loads for itself. */
    private static final String[] SHARED_JARS = {"smpdev.jar", "xdev.jar", "mpjbuf.jar", "mpiExp.jar"};
    private static final String[] RANK_JARS = {"mpi.jar", "mpjdev.jar"};
    /** Every jar of MPJ's that jpar loads, on either device. */
    private static final String[] ALL_JARS = {"mpi.jar", "mpjdev.jar", "mpjbuf.jar", "xdev.jar", "mpiExp.jar",
        "smpdev.jar", "niodev.jar"};
    private static final String[] NIODEV_JARS = {"mpi.jar", "mpjdev.jar", "mpjbuf.jar", "xdev.jar", "niodev.jar",
        "mpiExp.jar"};
    private static final String INSTALL = "run mpirun-scripts/install-engines (Debian/Ubuntu: apt-get install "
            + "libmpj-java), or give the home of an MPJ Express 0.44 installation with --mpj-home, -D" + HOME_PROPERTY
            + ", " + HOME_ENV + " or MPJ_HOME";

    private static final String LOG4J_HELP = "run mpirun-scripts/install-engines (Debian/Ubuntu: apt-get install "
            + "liblog4j1.2-java), or give the jar (log4j 1.2.17, or its drop-in ch.qos.reload4j:reload4j) with -D"
            + LOG4J_PROPERTY + " or " + LOG4J_ENV;

    private static volatile MpjInstallation located;

    private final Path home;
    private final Path log4j;

    private MpjInstallation(Path home, Path log4j) {
        this.home = home;
        this.log4j = log4j;
    }

    /** @return MPJ Express's home (what its ranks get as {@code MPJ_HOME}) */
    public Path home() {
        return home;
    }

    /** @return the log4j 1.2 jar MPJ's classes are loaded with */
    public Path log4j() {
        return log4j;
    }

    /** Finds this process's installation once (inside a rank): {@code -Djpar.mpj.home}, the environment, Debian's. */
    public static MpjInstallation forThisProcess() {
        MpjInstallation i = located;
        if (i == null) {
            synchronized (MpjInstallation.class) {
                if (located == null) {
                    located = locate(null, System.getenv());
                }
                i = located;
            }
        }
        return i;
    }

    /**
     * Finds the installation.
     *
     * @param explicitHome the launcher's {@code --mpj-home}, or null
     * @param env          the environment ({@code JPAR_MPJ_HOME}, {@code MPJ_HOME}, {@code JPAR_MPJ_LOG4J})
     * @throws JparException naming what is missing and what to do
     */
    public static MpjInstallation locate(String explicitHome, Map<String, String> env) {
        Path home;
        String property = System.getProperty(HOME_PROPERTY);
        if (explicitHome != null) {
            home = given(explicitHome, "--mpj-home");
        } else if (property != null && !property.isEmpty()) {
            home = given(property, "-D" + HOME_PROPERTY);
        } else if (notEmpty(env.get(HOME_ENV))) {
            home = given(env.get(HOME_ENV), HOME_ENV);
        } else if (notEmpty(env.get("MPJ_HOME"))) {
            home = given(env.get("MPJ_HOME"), "MPJ_HOME");
        } else if (Files.isDirectory(DEBIAN_HOME.resolve("lib"))) {
            home = DEBIAN_HOME;
        } else {
            throw new JparException("MPJ Express is not installed: " + DEBIAN_HOME + " does not exist and none of "
                    + "--mpj-home, -D" + HOME_PROPERTY + ", " + HOME_ENV + " and MPJ_HOME is set; " + INSTALL);
        }
        List<String> missing = new ArrayList<>();
        for (String jar : ALL_JARS) {
            if (!Files.isRegularFile(home.resolve("lib").resolve(jar))) {
                missing.add(jar);
            }
        }
        if (!missing.isEmpty()) {
            throw new JparException("MPJ Express home " + home + " has no " + String.join(", ", missing) + " in "
                    + home.resolve("lib") + "; " + INSTALL);
        }
        checkJars(home);
        Path log4j = log4j(home, env);
        checkLog4j(log4j);
        return new MpjInstallation(home, log4j);
    }

    /** A log4j jar that is not log4j 1.2 is one error naming it at the start, not a failure of the ranks. */
    private static void checkLog4j(Path jar) {
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(jar.toFile())) {
            if (z.getEntry("org/apache/log4j/varia/NullAppender.class") == null) {
                throw new JparException(jar + " is not log4j 1.2 (it has no org/apache/log4j/varia/NullAppender"
                        + ".class), which MPJ Express needs at run time; " + LOG4J_HELP);
            }
        } catch (IOException e) {
            throw new JparException(jar + " cannot be read as a jar (" + e.getMessage() + "), and MPJ Express needs "
                    + "log4j 1.2 at run time; " + LOG4J_HELP, e);
        }
    }

    /**
     * Opens each of MPJ's jars that jpar loads, so that a damaged or foreign jar is one error at the start, naming the
     * jar, rather than a {@code ClassNotFoundException} from every rank once the job runs.
     */
    private static void checkJars(Path home) {
        for (String jar : ALL_JARS) {
            Path p = home.resolve("lib").resolve(jar);
            try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(p.toFile())) {
                if (jar.equals("mpi.jar") && z.getEntry("mpi/MPI.class") == null) {
                    throw new JparException(p + " has no mpi/MPI.class: it is not MPJ Express's mpi.jar; " + INSTALL);
                }
            } catch (IOException e) {
                throw new JparException(p + " cannot be read as a jar (" + e.getMessage() + "): the MPJ Express "
                        + "installation at " + home + " is damaged; " + INSTALL, e);
            }
        }
    }

    private static Path log4j(Path home, Map<String, String> env) {
        String property = System.getProperty(LOG4J_PROPERTY);
        if (notEmpty(property)) {
            return givenJar(property, "-D" + LOG4J_PROPERTY);
        }
        if (notEmpty(env.get(LOG4J_ENV))) {
            return givenJar(env.get(LOG4J_ENV), LOG4J_ENV);
        }
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(home.resolve("lib"), "{log4j-1.2*,reload4j*}.jar")) {
            for (Path jar : jars) {
                return jar;
            }
        } catch (IOException e) {
            // looked for below
        }
        for (Path p : SYSTEM_LOG4J) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new JparException("log4j 1.2, which MPJ Express needs at run time, was not found: looked in "
                + home.resolve("lib") + " (log4j-1.2*.jar, reload4j*.jar) and at " + SYSTEM_LOG4J[0] + " and "
                + SYSTEM_LOG4J[1] + "; " + LOG4J_HELP);
    }

    /** @return a class loader of the multicore device's shared part (smpdev, xdev, mpjbuf, mpiExp, log4j) */
    ClassLoader multicoreSharedLoader() {
        return quiet(new URLClassLoader("jpar-mpj-smpdev", urls(SHARED_JARS, true),
                ClassLoader.getPlatformClassLoader()));
    }

    /** @return rank {@code rank}'s own {@code mpi.*} and {@code mpjdev.*}, over the multicore device's shared part */
    ClassLoader multicoreRankLoader(int rank, ClassLoader shared) {
        return new URLClassLoader("jpar-mpj-rank-" + rank, urls(RANK_JARS, false), shared);
    }

    /** @return a class loader of everything a niodev rank (one process) needs */
    ClassLoader niodevLoader() {
        return quiet(new URLClassLoader("jpar-mpj-niodev", urls(NIODEV_JARS, true),
                ClassLoader.getPlatformClassLoader()));
    }

    private URL[] urls(String[] jars, boolean withLog4j) {
        List<URL> urls = new ArrayList<>();
        try {
            for (String jar : jars) {
                urls.add(home.resolve("lib").resolve(jar).toUri().toURL());
            }
            if (withLog4j) {
                urls.add(log4j.toUri().toURL());
            }
        } catch (MalformedURLException e) {
            throw new JparException("MPJ Express home " + home + " is not a valid path: " + e.getMessage(), e);
        }
        return urls.toArray(new URL[0]);
    }

    /**
     * Gives log4j a root logger that writes nothing (MPJ logs nothing at its default level, but log4j itself warns
     * on standard error when it has no appender): no library chatter in a user's output.
     */
    private static ClassLoader quiet(ClassLoader loader) {
        try {
            Class<?> appender = Class.forName("org.apache.log4j.Appender", true, loader);
            Object none = Class.forName("org.apache.log4j.varia.NullAppender", true, loader).getConstructor()
                    .newInstance();
            Class.forName("org.apache.log4j.BasicConfigurator", true, loader).getMethod("configure", appender)
                    .invoke(null, none);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new JparException("the log4j jar given to MPJ Express is not log4j 1.2 (or reload4j): " + e, e);
        }
        return loader;
    }

    @Override
    public String toString() {
        return "MPJ Express " + home + " (log4j " + log4j + ")";
    }

    private static boolean notEmpty(String s) {
        return s != null && !s.isEmpty();
    }

    private static Path given(String path, String source) {
        Path p = Path.of(path).toAbsolutePath().normalize();
        if (!Files.isDirectory(p.resolve("lib"))) {
            throw new JparException("MPJ Express home " + p + " (from " + source + ") has no lib folder: "
                    + (Files.exists(p) ? "it is not an MPJ Express installation" : "it does not exist") + "; " + INSTALL);
        }
        return p;
    }

    private static Path givenJar(String path, String source) {
        Path p = Path.of(path).toAbsolutePath().normalize();
        if (!Files.isRegularFile(p)) {
            throw new JparException("log4j jar " + p + " (from " + source + ") does not exist; give log4j 1.2.17 or "
                    + "reload4j 1.2.x, or run mpirun-scripts/install-engines");
        }
        return p;
    }
}
