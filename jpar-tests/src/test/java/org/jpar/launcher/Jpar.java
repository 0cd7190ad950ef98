package org.jpar.launcher;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code mpirun-scripts/jpar} script in a child process, as a user would. */
public final class Jpar {
    /** What a run printed and how it ended. */
    public record Result(int exitCode, List<String> out, List<String> err, long millis) {
        @Override
        public String toString() {
            return "exit " + exitCode + " after " + millis + " ms\n--- stdout\n" + String.join("\n", out)
                    + "\n--- stderr\n" + String.join("\n", err);
        }
    }

    private Jpar() {
    }

    /** @return the repository's root (where pom.xml is) */
    public static Path home() {
        return Path.of(System.getProperty("jpar.home", ".")).toAbsolutePath().normalize();
    }

    /**
     * The JVM options jpar gives every JVM it starts, which a user adds to {@code mpirun -np N java ...} on JDK 24+
     * (README, "JDKs"): no warnings about {@code sun.misc.Unsafe} or {@code System.loadLibrary}; JDK 17 accepts both.
     */
    public static final List<String> QUIET_JVM_OPTIONS = List.of("--enable-native-access=ALL-UNNAMED",
            "-Dsun.misc.unsafe.memory.access=allow");

    /** @return {@code java} of the JDK running the tests (not the one on PATH), then {@link #QUIET_JVM_OPTIONS} */
    public static List<String> java() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(QUIET_JVM_OPTIONS);
        return cmd;
    }

    /** Runs {@code mpirun-scripts/jpar args...}; gives up (and kills it) after {@code timeoutSeconds}. */
    public static Result run(long timeoutSeconds, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(home().resolve("mpirun-scripts/jpar").toString());
        cmd.addAll(Arrays.asList(args));
        return exec(cmd, timeoutSeconds);
    }

    /** Runs any command from the repository's root. */
    public static Result exec(List<String> cmd, long timeoutSeconds) throws IOException, InterruptedException {
        return exec(cmd, java.util.Map.of(), timeoutSeconds);
    }

    /**
     * Runs {@code cmd} from the repository's root with extra environment; kills it after {@code timeoutSeconds}.
     * {@code JAVA_HOME} is the JDK running the tests unless {@code env} sets it, so {@code mpirun-scripts/jpar} runs
     * on the JDK under test.
     */
    public static Result exec(List<String> cmd, java.util.Map<String, String> env, long timeoutSeconds)
            throws IOException, InterruptedException {
        File out = File.createTempFile("jpar-out", ".txt");
        File err = File.createTempFile("jpar-err", ".txt");
        try {
            long start = System.nanoTime();
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(home().toFile())
                    .redirectOutput(out).redirectError(err).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("timed out after " + timeoutSeconds + " s: " + cmd + "\n"
                        + Files.readString(out.toPath()) + Files.readString(err.toPath()));
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            return new Result(p.exitValue(), Files.readAllLines(out.toPath(), StandardCharsets.UTF_8),
                    Files.readAllLines(err.toPath(), StandardCharsets.UTF_8), millis);
        } finally {
            out.delete();
            err.delete();
        }
    }

    /** @return the test classes' folder, for {@code --class-path} */
    public static String testClasses() {
        return home().resolve("jpar-tests/target/test-classes").toString();
    }
}
