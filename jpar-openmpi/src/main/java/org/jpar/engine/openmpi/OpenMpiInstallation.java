package org.jpar.engine.openmpi;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.jpar.JparException;

/**
 * Where this machine's Open MPI and its Java bindings are: {@code mpirun}, {@code mpi.jar} and the JNI library
 * {@code libmpi_java.so} next to it. jpar never bundles {@code mpi.jar}: it must match the installation's native
 * library, so it is always taken from the installation (or given explicitly), and loaded in its own class loader.
 *
 * <p>{@code mpi.jar} is looked for, in order: the launcher's {@code --mpi-jar}, {@code -Djpar.openmpi.jar},
 * the environment variable {@code JPAR_OPENMPI_JAR}, {@code $(ompi_info --path libdir)/mpi.jar}, and the
 * {@code lib} folder next to the {@code mpirun} on {@code PATH}. A path that is given but does not exist is an error
 * (it is never skipped silently).
 *
 * <p>Internal: public for the launcher; not part of jpar's API.
 */
public final class OpenMpiInstallation {
    /** System property naming {@code mpi.jar}. */
    public static final String JAR_PROPERTY = "jpar.openmpi.jar";
    /** Environment variable naming {@code mpi.jar}. */
    public static final String JAR_ENV = "JPAR_OPENMPI_JAR";
    /** What to do when Open MPI itself is missing. */
    public static final String NOT_INSTALLED = "Open MPI is not installed: run mpirun-scripts/install-engines";

    private static final String JNI_LIBRARY = "mpi_java";
    private static volatile OpenMpiInstallation located;

    private final Path jar;
    private final Path nativeLibrary;
    private final boolean onClassPath;

    private OpenMpiInstallation(Path jar, Path nativeLibrary, boolean onClassPath) {
        this.jar = jar;
        this.nativeLibrary = nativeLibrary;
        this.onClassPath = onClassPath;
    }

    private OpenMpiInstallation(Path jar, Path nativeLibrary) {
        this(jar, nativeLibrary, false);
    }

    /** @return the {@code mpi.jar} in use */
    public Path jar() {
        return jar;
    }

    /** @return {@code libmpi_java.so}'s path, or null to let Java search {@code java.library.path} */
    public Path nativeLibrary() {
        return nativeLibrary;
    }

    /**
     * Finds this process's installation once (for the engine inside a rank): {@code -Djpar.openmpi.jar} or
     * {@code JPAR_OPENMPI_JAR} if set; else the {@code mpi.jar} already on the class path (Open MPI's
     * {@code mpirun} adds {@code <libdir>/mpi.jar} and {@code -Djava.library.path=<libdir>} to every {@code java}
     * command it starts); else {@code ompi_info}, {@code mpirun}.
     *
     * @throws JparException saying where it looked and what to do
     */
    public static OpenMpiInstallation forThisProcess() {
        OpenMpiInstallation i = located;
        if (i == null) {
            synchronized (OpenMpiInstallation.class) {
                if (located == null) {
                    located = onClassPath(System.getenv());
                    if (located == null) {
                        located = locate(null, System.getenv());
                    }
                }
                i = located;
            }
        }
        return i;
    }

    /** @return the mpi.jar on this process's class path when none is configured explicitly, else null */
    private static OpenMpiInstallation onClassPath(Map<String, String> env) {
        String property = System.getProperty(JAR_PROPERTY);
        String fromEnv = env.get(JAR_ENV);
        if ((property != null && !property.isEmpty()) || (fromEnv != null && !fromEnv.isEmpty())) {
            return null;
        }
        URL url = OpenMpiInstallation.class.getClassLoader().getResource("mpi/MPI.class");
        if (url == null || !"jar".equals(url.getProtocol())) {
            return null;
        }
        String file = url.getPath(); // file:/usr/lib/.../mpi.jar!/mpi/MPI.class
        int bang = file.indexOf("!/");
        Path jar;
        try {
            jar = Path.of(new URL(file.substring(0, bang < 0 ? file.length() : bang)).toURI());
        } catch (MalformedURLException | java.net.URISyntaxException | IllegalArgumentException e) {
            return null;
        }
        Path lib = jar.resolveSibling(System.mapLibraryName(JNI_LIBRARY));
        return new OpenMpiInstallation(jar, Files.isRegularFile(lib) ? lib : null, true);
    }

    /**
     * Finds the installation.
     *
     * @param explicitJar the launcher's {@code --mpi-jar}, or null
     * @param env         the environment (for {@code PATH} and {@code JPAR_OPENMPI_JAR})
     * @throws JparException naming every place it looked and what to do
     */
    public static OpenMpiInstallation locate(String explicitJar, Map<String, String> env) {
        String property = System.getProperty(JAR_PROPERTY);
        String fromEnv = env.get(JAR_ENV);
        Path jar;
        if (explicitJar != null) {
            jar = given(explicitJar, "--mpi-jar");
        } else if (property != null && !property.isEmpty()) {
            jar = given(property, "-D" + JAR_PROPERTY);
        } else if (fromEnv != null && !fromEnv.isEmpty()) {
            jar = given(fromEnv, JAR_ENV);
        } else {
            jar = null;
        }
        String libName = System.mapLibraryName(JNI_LIBRARY);
        if (jar != null && Files.isRegularFile(jar.resolveSibling(libName))) {
            return new OpenMpiInstallation(jar, jar.resolveSibling(libName)); // the usual layout: no need to ask
        }
        Path ompiInfo = onPath("ompi_info", env);
        Path mpirun = onPath("mpirun", env);
        Path infoLibdir = ompiInfo == null ? null : libdirFromOmpiInfo(ompiInfo);
        Path mpirunLibdir = mpirun == null ? null : libdirNextTo(mpirun);
        if (jar == null) {
            if (ompiInfo == null && mpirun == null) {
                throw new JparException(NOT_INSTALLED + " (neither ompi_info nor mpirun is on PATH), or give the "
                        + "mpi.jar of an Open MPI built with --enable-mpi-java with --mpi-jar, -D" + JAR_PROPERTY
                        + " or " + JAR_ENV);
            }
            List<String> looked = new ArrayList<>();
            for (Path dir : new Path[] {infoLibdir, mpirunLibdir}) {
                if (dir != null && jar == null) {
                    Path candidate = dir.resolve("mpi.jar");
                    if (Files.isRegularFile(candidate)) {
                        jar = candidate;
                    } else if (!looked.contains(candidate.toString())) {
                        looked.add(candidate.toString());
                    }
                }
            }
            if (jar == null) {
                throw new JparException("Open MPI's Java bindings (mpi.jar) were not found: looked at "
                        + (looked.isEmpty() ? "nothing (ompi_info gave no libdir)" : String.join(" and ", looked))
                        + " (from " + (ompiInfo != null ? "ompi_info --path libdir" : "")
                        + (ompiInfo != null && mpirun != null ? " and " : "")
                        + (mpirun != null ? "the mpirun on PATH" : "") + "); --mpi-jar, -D" + JAR_PROPERTY + " and "
                        + JAR_ENV + " are not set. Run mpirun-scripts/install-engines (Debian/Ubuntu: builds the "
                        + "mpi.jar of the installed Open MPI), or give the mpi.jar of an Open MPI built with "
                        + "--enable-mpi-java with --mpi-jar, -D" + JAR_PROPERTY + " or " + JAR_ENV);
            }
        }
        Path nativeLib = null;
        for (Path dir : new Path[] {jar.getParent(), infoLibdir, mpirunLibdir}) {
            if (dir != null && Files.isRegularFile(dir.resolve(libName))) {
                nativeLib = dir.resolve(libName);
                break;
            }
        }
        return new OpenMpiInstallation(jar, nativeLib);
    }

    /** @return the {@code mpirun} on {@code env}'s {@code PATH} */
    public static Path mpirun(Map<String, String> env) {
        return onPath("mpirun", env);
    }

    /**
     * The class loader of {@code mpi.*}: {@code parent} when {@code mpi.jar} is on the class path (as
     * {@code mpirun} puts it, with {@code java.library.path}; a program that calls {@code mpi.*} directly shares
     * that copy with jpar), else a class loader for the installation's {@code mpi.jar} whose {@code libmpi_java}
     * is found next to it, so neither {@code java.library.path} nor {@code LD_LIBRARY_PATH} is needed.
     */
    ClassLoader classLoader(ClassLoader parent) {
        if (onClassPath) {
            return parent;
        }
        try {
            return new MpiClassLoader(jar.toUri().toURL(), nativeLibrary);
        } catch (MalformedURLException e) {
            throw new JparException("mpi.jar path " + jar + " is not a valid URL: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "Open MPI Java bindings " + jar + (onClassPath ? " (on the class path)" : "") + " (native library "
                + (onClassPath || nativeLibrary == null ? "from java.library.path" : nativeLibrary.toString()) + ")";
    }

    private static Path given(String path, String source) {
        Path p = Path.of(path).toAbsolutePath().normalize();
        if (!Files.isRegularFile(p)) {
            throw new JparException("mpi.jar " + p + " (from " + source + ") does not exist; give the mpi.jar of your "
                    + "Open MPI installation (built with --enable-mpi-java), or run mpirun-scripts/install-engines");
        }
        return p;
    }

    static Path onPath(String program, Map<String, String> env) {
        String path = env.get("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p.toAbsolutePath();
            }
        }
        return null;
    }

    /** {@code ompi_info --path libdir --parsable} prints {@code path:libdir:/usr/lib/...}. */
    private static Path libdirFromOmpiInfo(Path ompiInfo) {
        try {
            Process p = new ProcessBuilder(ompiInfo.toString(), "--path", "libdir", "--parsable")
                    .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            for (String line : out.split("\n")) {
                if (line.startsWith("path:libdir:")) {
                    Path dir = Path.of(line.substring("path:libdir:".length()).trim());
                    return Files.isDirectory(dir) ? dir : null;
                }
            }
            return null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** {@code <prefix>/bin/mpirun} (symbolic links resolved) has its libraries in {@code <prefix>/lib}. */
    private static Path libdirNextTo(Path mpirun) {
        try {
            Path bin = mpirun.toRealPath().getParent();
            Path lib = bin == null || bin.getParent() == null ? null : bin.getParent().resolve("lib");
            return lib != null && Files.isDirectory(lib) ? lib : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Loads {@code mpi.*} from {@code mpi.jar} and gives its {@code System.loadLibrary("mpi_java")} the right file. */
    private static final class MpiClassLoader extends URLClassLoader {
        static {
            registerAsParallelCapable();
        }

        private final Path nativeLibrary;

        MpiClassLoader(URL jar, Path nativeLibrary) {
            super("jpar-openmpi", new URL[] {jar}, ClassLoader.getPlatformClassLoader());
            this.nativeLibrary = nativeLibrary;
        }

        @Override
        protected String findLibrary(String libname) {
            if (JNI_LIBRARY.equals(libname) && nativeLibrary != null) {
                return nativeLibrary.toString();
            }
            return super.findLibrary(libname);
        }
    }
}
