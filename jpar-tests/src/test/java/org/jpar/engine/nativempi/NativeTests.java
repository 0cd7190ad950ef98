package org.jpar.engine.nativempi;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jpar.launcher.Jpar;
import org.junit.jupiter.api.Assumptions;

/**
 * What the native engine's integration tests share: the MPI's launcher and a JDK 22+ for the ranks (this JVM when it
 * is 22 or later, else {@code -Djpar.jdk22}, which the build sets to the Temurin JDK). Without them the tests fail
 * with what to do (CI installs both); {@code -Djpar.skip.native=true} skips them explicitly.
 */
public final class NativeTests {
    static final String SKIP_PROPERTY = "jpar.skip.native";

    /** The two MPIs the engine binds, with their launchers. */
    public enum Mpi {
        OPENMPI("openmpi", "mpirun"), MPICH("mpich", "mpiexec.mpich");

        public final String name;
        public final String launcher;

        Mpi(String name, String launcher) {
            this.name = name;
            this.launcher = launcher;
        }

        /** @return the launcher's command for {@code ranks} ranks on this machine */
        public List<String> launch(int ranks) {
            List<String> cmd = new ArrayList<>(List.of(launcher));
            if (this == OPENMPI) {
                if ("root".equals(System.getProperty("user.name"))) {
                    cmd.add("--allow-run-as-root");
                }
                cmd.addAll(List.of("--oversubscribe", "-np", Integer.toString(ranks)));
            } else {
                cmd.addAll(List.of("-n", Integer.toString(ranks)));
            }
            return cmd;
        }
    }

    private NativeTests() {
    }

    /** Fails (or skips, when asked to) unless {@code mpi}'s launcher and a JDK 22+ are there. */
    public static void require(Mpi mpi) {
        if (Boolean.getBoolean(SKIP_PROPERTY)) {
            Assumptions.abort("native engine tests skipped on request (-D" + SKIP_PROPERTY + "=true)");
        }
        String skipHint = " (to skip the native engine's tests instead: -D" + SKIP_PROPERTY + "=true)";
        if (!onPath(mpi.launcher)) {
            fail("no " + mpi.launcher + " on PATH: install " + mpi.name + " (mpirun-scripts/install-engines)"
                    + skipHint);
        }
        jdk(skipHint);
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    /** @return the home of a JDK 22+ for the ranks */
    public static Path jdk() {
        return jdk("");
    }

    private static Path jdk(String hint) {
        if (Runtime.version().feature() >= NativeEngine.JAVA) {
            return Path.of(System.getProperty("java.home"));
        }
        String configured = System.getProperty("jpar.jdk22");
        if (configured == null || !Files.isExecutable(Path.of(configured, "bin", "java"))) {
            fail("the native engine's ranks need a JDK 22+: this JVM is " + Runtime.version().feature()
                    + " and -Djpar.jdk22=" + configured + " has no bin/java; give one with -Djpar.jdk22=JDK_HOME"
                    + hint);
        }
        return Path.of(configured);
    }

    /** @return {@code java} of the JDK 22+ with the options that keep it quiet */
    public static List<String> java() {
        List<String> cmd = new ArrayList<>();
        cmd.add(jdk().resolve("bin/java").toString());
        cmd.addAll(Jpar.QUIET_JVM_OPTIONS);
        return cmd;
    }

    /** Runs {@code cmd} from the repository's root (JAVA_HOME: the JDK 22+); kills it after {@code timeoutSeconds}. */
    public static Jpar.Result exec(List<String> cmd, Map<String, String> env, long timeoutSeconds)
            throws IOException, InterruptedException {
        Map<String, String> all = new java.util.HashMap<>(Map.of("JAVA_HOME", jdk().toString()));
        all.putAll(env);
        return Jpar.exec(cmd, all, timeoutSeconds);
    }
}
