package org.jpar.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * JDK 25, the current LTS, whatever JDK runs the tests: the ring and a ring of object messages (Fory) through
 * {@code jpar run} on both engines, and under plain {@code mpirun} with the two options the README gives for JDK 24+,
 * print no JVM warning ({@code WARNING: sun.misc.Unsafe ...}, {@code WARNING: ... System::loadLibrary ...}).
 * Skipped, saying so, when JDK 25 is not at {@link #JDK25} ({@code -Djpar.test.jdk25=DIR} names another).
 */
class CurrentJdkIT {
    static final Path JDK25 = Path.of(System.getProperty("jpar.test.jdk25", "/usr/lib/jvm/temurin-25-jdk-amd64"));

    private static Path jdk25() {
        assumeTrue(Files.isExecutable(JDK25.resolve("bin/java")), "no JDK 25 at " + JDK25
                + " (Temurin 25; -Djpar.test.jdk25=DIR names another): the JDK 25 checks are skipped");
        return JDK25;
    }

    private static void assertNoJvmWarning(Jpar.Result r) {
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).noneMatch(l -> l.startsWith("WARNING:"));
        assertThat(r.err()).as(r.toString()).noneMatch(l -> l.startsWith("WARNING:"));
    }

    private static Jpar.Result jparOn25(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Jpar.home().resolve("mpirun-scripts/jpar").toString());
        cmd.addAll(List.of(args));
        // as a user picks a JDK: JAVA_HOME, and its bin first on PATH
        return Jpar.exec(cmd, Map.of("JAVA_HOME", jdk25().toString(), "PATH", jdk25().resolve("bin") + ":"
                + System.getenv("PATH"), "JPAR_JAR", jar()), 180);
    }

    private static String jar() {
        return Path.of(System.getProperty("jpar.jar", Jpar.home().resolve("target/jpar.jar").toString()))
                .toAbsolutePath().toString();
    }

    @ParameterizedTest(name = "jpar run --engine {0} on JDK 25")
    @ValueSource(strings = {"threads", "openmpi"})
    void ringsOnJdk25PrintNoWarning(String engine) throws Exception {
        Jpar.Result r = jparOn25("run", "--engine", engine, "-np", "4", "org.jpar.examples.Ring");
        assertNoJvmWarning(r);
        assertThat(r.out()).as(r.toString()).contains("Processor 0 received message \"P0P1P2P3\" from rank 3");
        r = jparOn25("run", "--engine", engine, "-np", "2", "--class-path", Jpar.testClasses(),
                "org.jpar.programs.RecordRing");
        assertNoJvmWarning(r);
        assertThat(r.out()).as(r.toString()).containsExactlyInAnyOrder("rank 0 got Token[from=1, path=[P1]]",
                "rank 1 got Token[from=0, path=[P0]]");
    }

    @ParameterizedTest(name = "JAVA_HOME alone picks the JDK, --engine {0}")
    @ValueSource(strings = {"threads", "openmpi"})
    void javaHomePicksTheJdkOfTheLauncherAndOfEveryRank(String engine) throws Exception {
        // PATH keeps the JDK running the tests first: only JAVA_HOME says 25
        Jpar.Result r = Jpar.exec(List.of(Jpar.home().resolve("mpirun-scripts/jpar").toString(), "run", "--engine",
                engine, "-np", "2", "--class-path", Jpar.testClasses(), "org.jpar.programs.JavaVersion"),
                Map.of("JAVA_HOME", jdk25().toString(), "JPAR_JAR", jar()), 180);
        assertNoJvmWarning(r);
        assertThat(r.out()).as(r.toString()).containsExactlyInAnyOrder("rank 0 java 25", "rank 1 java 25");
    }

    @Test
    void aJavaHomeWithoutJavaIsAClearError() throws Exception {
        Path home = Jpar.home().resolve("no-such-jdk");
        Jpar.Result r = Jpar.exec(List.of(Jpar.home().resolve("mpirun-scripts/jpar").toString(), "run", "-np", "2",
                "org.jpar.examples.Ring"), Map.of("JAVA_HOME", home.toString(), "JPAR_JAR", jar()), 60);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).containsExactly("jpar: JAVA_HOME is " + home + " but " + home
                + "/bin/java is not an executable java", "Set JAVA_HOME to a JDK 17 or later (or unset it to use java "
                + "on PATH).");
    }

    @ParameterizedTest(name = "plain mpirun, JDK 25, {0}")
    @ValueSource(strings = {"org.jpar.examples.Ring", "org.jpar.programs.RecordRing"})
    void plainMpirunOnJdk25WithTheReadmesOptionsPrintsNoWarning(String main) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("mpirun", "--oversubscribe", "-np", "2"));
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.add(1, "--allow-run-as-root");
        }
        cmd.add(jdk25().resolve("bin/java").toString());
        cmd.addAll(Jpar.QUIET_JVM_OPTIONS);
        cmd.addAll(List.of("-cp", jar() + ":" + Jpar.testClasses(), main));
        Jpar.Result r = Jpar.exec(cmd, Map.of(), 180);
        assertNoJvmWarning(r);
        assertThat(r.out()).as(r.toString()).hasSize(main.endsWith("Ring") && !main.contains("Record") ? 3 : 2);
    }
}
