package org.jpar.engine.openmpi;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jpar.JparException;
import org.jpar.launcher.Jpar;
import org.junit.jupiter.api.Assumptions;

/**
 * What the Open MPI integration tests share. Without Open MPI (or its mpi.jar) they fail with what to do: CI
 * installs it, and skipping would hide a broken engine. {@code -Djpar.skip.openmpi=true} skips them explicitly.
 */
final class OpenMpiTests {
    static final String SKIP_PROPERTY = "jpar.skip.openmpi";

    private OpenMpiTests() {
    }

    /** Fails (or skips, when asked to) unless mpirun and the matching mpi.jar are installed. */
    static void requireOpenMpi() {
        if (Boolean.getBoolean(SKIP_PROPERTY)) {
            Assumptions.abort("Open MPI tests skipped on request (-D" + SKIP_PROPERTY + "=true)");
        }
        String skipHint = " (to skip the Open MPI tests instead: -D" + SKIP_PROPERTY + "=true)";
        if (OpenMpiInstallation.mpirun(System.getenv()) == null) {
            fail(OpenMpiInstallation.NOT_INSTALLED + ": no mpirun on PATH" + skipHint);
        }
        try {
            OpenMpiInstallation.locate(null, System.getenv());
        } catch (JparException e) {
            fail(e.getMessage() + skipHint);
        }
    }

    /** @return {@code mpirun [--allow-run-as-root] --oversubscribe -np N} */
    static List<String> mpirun(int ranks) {
        List<String> cmd = new ArrayList<>(List.of("mpirun"));
        if (isRoot()) {
            cmd.add("--allow-run-as-root");
        }
        cmd.addAll(List.of("--oversubscribe", "-np", Integer.toString(ranks)));
        return cmd;
    }

    /**
     * @return {@code java} of this JVM, with the options that keep it quiet on JDK 24+ ({@link Jpar#java()}), and
     *         {@code -Djpar.engine=openmpi}: on JDK 22+ plain mpirun would choose the native engine
     */
    static List<String> java() {
        List<String> cmd = new ArrayList<>(Jpar.java());
        cmd.add("-Djpar.engine=" + OpenMpiEngine.NAME);
        return cmd;
    }

    /** @return the shaded jar {@code mvn package} built */
    static String jparJar() {
        return Path.of(System.getProperty("jpar.jar", Jpar.home().resolve("target/jpar.jar").toString()))
                .toAbsolutePath().normalize().toString();
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Runs {@code cmd} from the repository's root with extra environment; kills it after {@code timeoutSeconds}. */
    static Jpar.Result exec(List<String> cmd, Map<String, String> env, long timeoutSeconds)
            throws IOException, InterruptedException {
        return Jpar.exec(cmd, env, timeoutSeconds);
    }

    /**
     * @return the processes whose command line contains {@code marker}, after giving them up to
     *         {@code graceMillis} to go away
     */
    static List<String> leftovers(String marker, long graceMillis) throws InterruptedException {
        long end = System.currentTimeMillis() + graceMillis;
        while (true) {
            List<String> found = new ArrayList<>();
            ProcessHandle.allProcesses().forEach(p -> {
                String line = p.info().commandLine().orElse("");
                if (line.contains(marker) && p.pid() != ProcessHandle.current().pid()) {
                    found.add(p.pid() + " " + line);
                }
            });
            if (found.isEmpty() || System.currentTimeMillis() > end) {
                return found;
            }
            Thread.sleep(100);
        }
    }
}
