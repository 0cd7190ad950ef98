package org.jpar.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher script end to end on the threads engine: the ring, failures, usage errors. */
class LauncherIT {
    private static final String CP = "--class-path";

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "ring at {0} ranks")
    @ValueSource(ints = {4, 64, 1024})
    void ringPrintsEveryRankAndTheMessage(int n) throws Exception {
        Jpar.Result r = Jpar.run(60, "run", "-np", Integer.toString(n), "org.jpar.examples.Ring");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        List<String> hello = r.out().stream().filter(l -> l.startsWith("I am rank")).toList();
        assertThat(hello).hasSize(n);
        Pattern p = Pattern.compile("I am rank (\\d+) of " + n + " on node \\S+");
        boolean[] seen = new boolean[n];
        for (String line : hello) {
            var m = p.matcher(line);
            assertThat(m.matches()).as(line).isTrue();
            seen[Integer.parseInt(m.group(1))] = true;
        }
        for (boolean s : seen) {
            assertThat(s).isTrue();
        }
        StringBuilder msg = new StringBuilder();
        for (int i = 0; i < n; i++) {
            msg.append('P').append(i);
        }
        assertThat(r.out()).containsOnlyOnce("Processor 0 received message \"" + msg + "\" from rank " + (n - 1));
        assertThat(r.out()).hasSize(n + 1);
    }

    /** The README's promise: the script works from any folder, through a symlink on PATH. */
    @Test
    void theScriptWorksThroughASymlinkFromAnyFolder() throws Exception {
        Path link = Files.createSymbolicLink(tmp.resolve("jpar"), Jpar.home().resolve("mpirun-scripts/jpar"));
        Jpar.Result r = Jpar.exec(List.of("bash", "-c", "cd \"$1\" && PATH=\"$1:$PATH\" jpar run -np 2 "
                + "org.jpar.examples.Ring", "bash", link.getParent().toString()), 60);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).contains("Processor 0 received message \"P0P1\" from rank 1");
    }

    /** -Djpar.codec.allow: a class outside the list is refused at the sender in jpar's words, naming the setting. */
    @Test
    void aClassOutsideTheAllowListIsRefusedNamingTheSetting() throws Exception {
        Jpar.Result r = Jpar.exec(List.of(Jpar.home().resolve("mpirun-scripts/jpar").toString(), "run", "-np", "2",
                CP, Jpar.testClasses(), "com.example.SendsRecord"),
                Map.of("JPAR_JAVA_OPTS", "-Djpar.codec.allow=java.util.*"), 60);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString()).contains("jpar: rank 0 of 2 failed: org.jpar.JparException: cannot send "
                + "a com.example.SendsRecord$Rec: it is, or holds, a class outside -Djpar.codec.allow=java.util.* "
                + "(class com.example.SendsRecord$Rec): add it to the list on every rank");
        r = Jpar.exec(List.of(Jpar.home().resolve("mpirun-scripts/jpar").toString(), "run", "-np", "2",
                CP, Jpar.testClasses(), "com.example.SendsRecord"),
                Map.of("JPAR_JAVA_OPTS", "-Djpar.codec.allow=com.example.*"), 60);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).containsExactly("got Rec[x=7]");
    }

    /** A deadlock in threads the ranks started, while their main threads join them or wait on a lock. */
    @ParameterizedTest(name = "main threads {0}")
    @ValueSource(strings = {"join", "lock"})
    void aDeadlockInThreadsARankStartedIsReported(String how) throws Exception {
        Jpar.Result r = Jpar.run(60, "run", "-np", "2", CP, Jpar.testClasses(), "org.jpar.programs.DeadlockInThread",
                how);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString())
                .anyMatch(l -> l.startsWith("jpar: deadlock: every rank is waiting"))
                .anyMatch(l -> l.contains("thread 'receiver' waits in receive(source=1, tag=99)"));
    }

    @Test
    void ringWithOneRankIsAClearError() throws Exception {
        Jpar.Result r = Jpar.run(30, "run", "-np", "1", "org.jpar.examples.Ring");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("jpar: rank 0 of 1 failed: java.lang.IllegalArgumentException: the ring needs "
                + "at least 2 ranks, got 1: run it with -np 2 or more");
    }

    @Test
    void aRankThatThrowsStopsTheJobPromptlyAndIsNamed() throws Exception {
        Jpar.Result r = Jpar.run(30, "run", "-np", "4", CP, Jpar.testClasses(), "org.jpar.programs.FailingRank");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err().get(0)).isEqualTo("jpar: rank 3 of 4 failed: java.lang.IllegalStateException: boom in rank 3");
        assertThat(r.err()).anyMatch(l -> l.contains("at jpar-rank-3//org.jpar.programs.FailingRank.main"));
        assertThat(r.err()).last().isEqualTo("jpar: the job was stopped (exit code 1)");
        // JVM start (well under 2 s) + 0.2 s before the throw + at most 1 s to stop the others
        assertThat(r.millis()).isLessThan(3200);
    }

    @Test
    void systemExitInOneRankStopsTheWholeJob() throws Exception {
        Jpar.Result r = Jpar.run(30, "run", "-np", "3", CP, Jpar.testClasses(), "org.jpar.programs.ExitingRank");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).anyMatch(l -> l.startsWith("jpar: rank 1 called System.exit while 2 other rank(s) still ran"));
    }

    @Test
    void aDeadlockIsReportedInsteadOfHanging() throws Exception {
        Jpar.Result r = Jpar.run(30, "run", "-np", "3", CP, Jpar.testClasses(), "org.jpar.programs.Deadlock");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("jpar: deadlock: every rank is waiting for a message that no rank can send",
                "  rank 0: waits in receive(source=1, tag=3)", "  rank 2: waits in receive(source=0, tag=3)");
    }

    @Test
    void parFromAThreadOfNoRankIsAClearErrorNotAGuess() throws Exception {
        Jpar.Result r = Jpar.run(30, "run", "-np", "2", CP, Jpar.testClasses(), "org.jpar.programs.PoolThreadUsesPar");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).noneMatch(l -> l.contains("pool says"));
        assertThat(String.join("\n", r.err())).contains("belongs to no rank of this job, so Par cannot tell which rank "
                + "is calling");
    }

    @Test
    void everyRankHasItsOwnStatics() throws Exception {
        Jpar.Result r = Jpar.run(30, "run", "-np", "4", CP, Jpar.testClasses(), "org.jpar.programs.StaticCounter");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).containsExactlyInAnyOrder("rank 0 counter 1", "rank 1 counter 1", "rank 2 counter 1",
                "rank 3 counter 1");
    }

    @Test
    void linesOfDifferentRanksNeverMix() throws Exception {
        Jpar.Result r = Jpar.run(30, "run", "-np", "8", CP, Jpar.testClasses(), "org.jpar.programs.ChattyRanks", "300");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).hasSize(8 * 300).allMatch(l -> l.matches("rank=(\\d):(\\1:){19}end"));
    }

    @Test
    void programArgumentsPassThroughUntouched() throws Exception {
        Jpar.Result r = Jpar.run(30, "run", "-np", "2", CP, Jpar.testClasses(), "org.jpar.programs.EchoArgs",
                "--help", "-np", "5", "a b");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).containsExactlyInAnyOrder("rank 0 args [--help, -np, 5, a b]",
                "rank 1 args [--help, -np, 5, a b]");
    }

    @Test
    void helpListsOptionsAndExitCodes() throws Exception {
        Jpar.Result r = Jpar.run(30, "run", "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(String.join("\n", r.out())).contains("-np N", "--engine ENGINE", "--class-path", "Exit codes:",
                "0   every rank ended normally", "2   usage error");
    }

    @Test
    void usageErrorsAreTwoLinesAndExitTwo() throws Exception {
        List<String[]> bad = new ArrayList<>();
        bad.add(new String[] {"run"});
        bad.add(new String[] {"run", "-np", "0", "org.jpar.examples.Ring"});
        bad.add(new String[] {"run", "--engine", "nope", "org.jpar.examples.Ring"});
        bad.add(new String[] {"run", "--engine", "mpj", "--device", "nonsense", "org.jpar.examples.Ring"});
        bad.add(new String[] {"run", "--engine", "threads", "--device", "niodev", "org.jpar.examples.Ring"});
        bad.add(new String[] {"run", "-np", "2", "org.example.Missing"});
        bad.add(new String[] {"run", "--frobnicate", "org.jpar.examples.Ring"});
        bad.add(new String[] {"run", "-np", "65537", "org.jpar.examples.Ring"});
        bad.add(new String[] {"run", "-np", "100000", "org.jpar.examples.Ring"});
        for (String[] args : bad) {
            Jpar.Result r = Jpar.run(30, args);
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).as(r.toString()).hasSize(2);
            assertThat(r.err().get(0)).startsWith("jpar: ");
            assertThat(r.err().get(1)).isEqualTo("Try 'jpar run --help' for more information.");
        }
        assertThat(Jpar.run(30, "run", "--engine", "nope", "X").err().get(0))
                .isEqualTo("jpar: --engine nope is not an engine: choose one of threads, openmpi, mpj, native");
        assertThat(Jpar.run(30, "run", "-np", "65537", "org.jpar.examples.Ring").err().get(0))
                .isEqualTo("jpar: -np 65537 is out of range: the threads engine runs at most 65536 ranks in one JVM; "
                        + "use fewer, or --engine openmpi with a --hostfile for more");
        assertThat(Jpar.run(30, "run", "-np", "2", "org.example.Missing").err().get(0))
                .startsWith("jpar: main class org.example.Missing was not found on the class path");
    }

    /**
     * The first-use build, with a stand-in for Maven (a real build takes minutes): Maven 3.8 prints colour codes
     * even with -B -q; the user sees one line about the build, then the program, and Maven's output only on failure.
     */
    @Test
    void theFirstUseBuildIsQuietUnlessItFails() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path mvn = bin.resolve("mvn");
        Path jar = tmp.resolve("jpar.jar");
        Files.writeString(mvn, String.join("\n",
                "#!/bin/sh",
                "printf '\\033[0m\\033[0m'",
                "if [ -n \"$FAIL\" ]; then printf '\\033[1;31m[ERROR]\\033[m COMPILATION ERROR\\n'; exit 1; fi",
                "cp '" + Jpar.home().resolve("target/jpar.jar") + "' '" + jar + "'", ""), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
        String path = bin + ":" + System.getenv("PATH");
        List<String> cmd = List.of(Jpar.home().resolve("mpirun-scripts/jpar").toString(), "run", "-np", "2",
                "org.jpar.examples.Ring");
        Jpar.Result r = Jpar.exec(cmd, Map.of("PATH", path, "JPAR_JAR", jar.toString()), 60);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.err()).as(r.toString())
                .containsExactly("jpar: building " + jar + " (first use; takes a minute)...");
        assertThat(r.out()).as(r.toString()).hasSize(3).allMatch(l -> !l.contains("\u001b"));
        assertThat(r.out().get(0)).startsWith("I am rank ");
        Files.delete(jar);
        r = Jpar.exec(cmd, Map.of("PATH", path, "JPAR_JAR", jar.toString(), "FAIL", "1"), 60);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).as(r.toString()).isEmpty();
        assertThat(r.err()).as(r.toString()).containsExactly(
                "jpar: building " + jar + " (first use; takes a minute)...", "[ERROR] COMPILATION ERROR",
                "jpar: the build failed (mvn -B -DskipTests package in " + Jpar.home().normalize() + "); see above");
    }
}
