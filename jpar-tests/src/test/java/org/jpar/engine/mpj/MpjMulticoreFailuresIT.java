package org.jpar.engine.mpj;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jpar.failures.FailureSuite;
import org.jpar.launcher.Jpar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link FailureSuite} on MPJ Express's multicore device, through {@code jpar run --engine mpj}. */
class MpjMulticoreFailuresIT extends FailureSuite {
    @BeforeAll
    static void mpj() {
        MpjTests.requireMpj();
    }

    /** The device whose failures this suite runs. */
    protected String device() {
        return "multicore";
    }

    /**
     * A rank that calls System.exit(0) while the others wait for it fails the job, named (multicore: the JVM is the
     * job, and MPJ would have ended it with the rank's code, 0, and no word).
     */
    @Test
    void aRankCallingSystemExitFailsTheJobNamed() throws Exception {
        Jpar.Result r = run(3, "ExitingRank");
        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertThat(r.err()).as(r.toString()).anyMatch(l -> l.startsWith("jpar: rank 1 of 3 "));
    }

    /** A message of 512 MiB is over the multicore device's limit: one clear error, not MPJ's negative capacity. */
    @Test
    void aMessageOverTheDevicesLimitIsOneClearError() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(device().equals("multicore"), "niodev carries up to 2 GiB");
        Jpar.Result r = runWithJvmOptions("-Xmx2g", 2, "SendBytes", Integer.toString(1 << 29));
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString()).anyMatch(l -> l.startsWith("jpar: rank 0 of 2 failed: ")
                && l.contains("cannot send a message of 536870912 bytes with MPJ Express's multicore device"));
        assertThat(String.join("\n", r.err())).as(r.toString()).doesNotContain("mpjbuf", "capacity < 0");
    }

    /**
     * An MPJ home whose mpi.jar is damaged is one usage error naming the jar, before any rank starts (it was a
     * ClassNotFoundException with its stack trace from every rank).
     */
    @Test
    void aDamagedMpjHomeIsOneUsageErrorNamingTheJar(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path lib = java.nio.file.Files.createDirectories(dir.resolve("lib"));
        java.nio.file.Path real = MpjInstallation.locate(null, System.getenv()).home().resolve("lib");
        try (var jars = java.nio.file.Files.list(real)) {
            for (java.nio.file.Path jar : jars.toList()) {
                java.nio.file.Files.copy(jar, lib.resolve(jar.getFileName()));
            }
        }
        java.nio.file.Files.writeString(lib.resolve("mpi.jar"), "not a jar\n");
        List<String> cmd = MpjTests.jparRun(device(), 2);
        cmd.addAll(List.of("--mpj-home", dir.toString(), "org.jpar.examples.Ring"));
        Jpar.Result r = MpjTests.exec(cmd, Map.of(), TIMEOUT_SECONDS);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).as(r.toString()).hasSize(2);
        assertThat(r.err().get(0)).as(r.toString()).startsWith("jpar: " + lib.resolve("mpi.jar")
                + " cannot be read as a jar");
        assertThat(r.out()).as(r.toString()).isEmpty();
    }

    /** A log4j jar that is not log4j 1.2 is one usage error naming it (multicore ended with exit 1 and no word). */
    @Test
    void aLog4jJarThatIsNotLog4jIsOneUsageError(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path junk = java.nio.file.Files.writeString(dir.resolve("log4j-1.2.jar"), "not a jar\n");
        List<String> cmd = MpjTests.jparRun(device(), 2);
        cmd.add("org.jpar.examples.Ring");
        Jpar.Result r = MpjTests.exec(cmd, Map.of("JPAR_MPJ_LOG4J", junk.toString()), TIMEOUT_SECONDS);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).as(r.toString()).hasSize(2);
        assertThat(r.err().get(0)).as(r.toString()).startsWith("jpar: " + junk + " cannot be read as a jar")
                .contains("MPJ Express needs log4j 1.2");
        assertThat(r.out()).as(r.toString()).isEmpty();
    }

    @Override
    protected Jpar.Result run(int ranks, String program, String... args) throws Exception {
        return runWithJvmOptions("", ranks, program, args);
    }

    @Override
    protected Jpar.Result runWithJvmOptions(String jvmOptions, int ranks, String program, String... args)
            throws Exception {
        String marker = "-Djpar.test.marker=" + UUID.randomUUID();
        List<String> cmd = MpjTests.jparRun(device(), ranks);
        cmd.addAll(List.of("--class-path", Jpar.testClasses(), "org.jpar.programs." + program));
        cmd.addAll(List.of(args));
        Jpar.Result r = MpjTests.exec(cmd, Map.of("JPAR_JAVA_OPTS", (jvmOptions + " " + marker).trim()),
                TIMEOUT_SECONDS);
        assertThat(MpjTests.leftovers(marker, 5000)).as(r.toString()).isEmpty();
        return r;
    }
}
