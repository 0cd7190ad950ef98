package org.jpar.engine.mpj;

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
 * What the MPJ Express integration tests share. Without MPJ Express (and log4j) they fail with what to do: CI installs
 * it ({@code mpirun-scripts/install-engines}), and skipping would hide a broken engine. {@code -Djpar.skip.mpj=true}
 * skips them explicitly.
 */
final class MpjTests {
    static final String SKIP_PROPERTY = "jpar.skip.mpj";

    private MpjTests() {
    }

    /** Fails (or skips, when asked to) unless MPJ Express and log4j are installed. */
    static void requireMpj() {
        if (Boolean.getBoolean(SKIP_PROPERTY)) {
            Assumptions.abort("MPJ Express tests skipped on request (-D" + SKIP_PROPERTY + "=true)");
        }
        try {
            MpjInstallation.locate(null, System.getenv());
        } catch (JparException e) {
            fail(e.getMessage() + " (to skip the MPJ Express tests instead: -D" + SKIP_PROPERTY + "=true)");
        }
    }

    /** @return {@code mpirun-scripts/jpar run --engine mpj --device DEVICE -np N} */
    static List<String> jparRun(String device, int ranks) {
        return new ArrayList<>(List.of(Jpar.home().resolve("mpirun-scripts/jpar").toString(), "run", "--engine", "mpj",
                "--device", device, "-np", Integer.toString(ranks)));
    }

    /** @return the shaded jar {@code mvn package} built */
    static String jparJar() {
        return Path.of(System.getProperty("jpar.jar", Jpar.home().resolve("target/jpar.jar").toString()))
                .toAbsolutePath().normalize().toString();
    }

    static Jpar.Result exec(List<String> cmd, Map<String, String> env, long timeoutSeconds)
            throws IOException, InterruptedException {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.putIfAbsent("JPAR_JAR", jparJar());
        return Jpar.exec(cmd, all, timeoutSeconds);
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
