package org.jpar.engine.mpj;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.jpar.launcher.Jpar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jpar run --engine mpj} never leaves anything of a job behind and never waits forever: a niodev rank killed
 * with {@code kill -9} is named and ends the job; the launcher killed with {@code kill -9} takes every niodev rank with
 * it; the multicore job's JVM killed leaves nothing; and the niodev rendezvous listener survives foreign and
 * malformed connections while the job starts, and is gone once it has started.
 */
class MpjStopIT {
    @TempDir
    Path tmp;

    @BeforeAll
    static void mpj() {
        MpjTests.requireMpj();
    }

    /** Starts {@code setsid mpirun-scripts/jpar ARGS} (its own process group, as a shell's job), output to files. */
    private Process start(String marker, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("setsid", Jpar.home().resolve("mpirun-scripts/jpar").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(Jpar.home().toFile())
                .redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("JPAR_JAR", MpjTests.jparJar());
        pb.environment().put("JPAR_JAVA_OPTS", "-Djpar.test.marker=" + marker);
        return pb.start();
    }

    private String out() throws IOException {
        return Files.readString(tmp.resolve("out.txt")) + "\n--- stderr\n" + Files.readString(tmp.resolve("err.txt"));
    }

    private void awaitReady(Process p) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.readString(tmp.resolve("out.txt")).contains("ready")) {
            assertThat(p.isAlive()).as(out()).isTrue();
            assertThat(System.nanoTime() < end).as("ready within 120 s: " + out()).isTrue();
            Thread.sleep(100);
        }
    }

    /** @return the processes whose command line holds {@code marker} (other than this JVM) */
    private static List<ProcessHandle> marked(String marker) {
        List<ProcessHandle> found = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            if (p.pid() != ProcessHandle.current().pid() && p.info().commandLine().orElse("").contains(marker)) {
                found.add(p);
            }
        });
        return found;
    }

    /** @return the niodev rank {@code rank}'s process, found by the environment jpar gives it */
    private static ProcessHandle rank(String marker, int rank) {
        for (ProcessHandle h : marked(marker)) {
            try {
                if (Files.readString(Path.of("/proc/" + h.pid() + "/environ"))
                        .contains("\0" + MpjEngine.RANK_ENV + "=" + rank + "\0")) {
                    return h;
                }
            } catch (IOException gone) {
                // not a process of ours any more
            }
        }
        return null;
    }

    private static void assertNothingLeft(String marker, int seconds) throws Exception {
        List<String> left = MpjTests.leftovers(marker, seconds * 1000L);
        assertThat(left).as("processes of the job still running " + seconds + " s later").isEmpty();
    }

    @Test
    void aNiodevRankKilledByASignalIsNamedAndEndsTheJob() throws Exception {
        String marker = UUID.randomUUID().toString();
        Process p = start(marker, "run", "--engine", "mpj", "--device", "niodev", "-np", "3", "--class-path",
                Jpar.testClasses(), "org.jpar.programs.SleepingRanks", "600000");
        awaitReady(p);
        ProcessHandle rank1 = rank(marker, 1);
        assertThat(rank1).as("rank 1's process").isNotNull();
        long killed = System.nanoTime();
        new ProcessBuilder("kill", "-KILL", Long.toString(rank1.pid())).start().waitFor();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(out()).isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed)).as(out()).isLessThan(30_000);
        assertThat(p.exitValue()).as(out()).isEqualTo(1);
        assertThat(Files.readAllLines(tmp.resolve("err.txt"))).as(out())
                .anyMatch(l -> l.matches("jpar: rank 1 of 3 was killed by signal 9 \\(Killed\\) on node \\S+"));
        assertNothingLeft(marker, 30);
    }

    @Test
    void niodevRanksEndWhenTheLauncherIsKilled() throws Exception {
        String marker = UUID.randomUUID().toString();
        Process p = start(marker, "run", "--engine", "mpj", "--device", "niodev", "-np", "3", "--class-path",
                Jpar.testClasses(), "org.jpar.programs.SleepingRanks", "600000");
        awaitReady(p);
        assertThat(rank(marker, 2)).isNotNull();
        new ProcessBuilder("kill", "-KILL", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertNothingLeft(marker, 30);
    }

    @Test
    void aKilledMulticoreJobLeavesNothing() throws Exception {
        String marker = UUID.randomUUID().toString();
        Process p = start(marker, "run", "--engine", "mpj", "-np", "3", "--class-path", Jpar.testClasses(),
                "org.jpar.programs.SleepingRanks", "600000");
        awaitReady(p);
        new ProcessBuilder("kill", "-KILL", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isNotZero();
        assertNothingLeft(marker, 30);
    }

    /**
     * While the ranks start, the listener gets a connection from a host that is not the job's (this machine's own
     * non-loopback address, for a job on loopback), garbage, a silent connection, and a client that claims rank 0
     * without the job's key: the job starts and ends normally all the same, and its listener is closed afterwards.
     */
    @Test
    void foreignAndMalformedConnectionsNeitherBreakNorJoinTheNiodevRendezvous() throws Exception {
        String marker = UUID.randomUUID().toString();
        Process p = start(marker, "run", "--engine", "mpj", "--device", "niodev", "-np", "2", "--class-path",
                Jpar.testClasses(), "org.jpar.programs.SleepingRanks", "3000");
        int port = -1;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (port < 0 && System.nanoTime() < end) {
            ProcessHandle r = rank(marker, 0);
            if (r != null) {
                String env = Files.readString(Path.of("/proc/" + r.pid() + "/environ"));
                for (String kv : env.split("\0")) {
                    if (kv.startsWith("JPAR_MPJ_SERVER=")) {
                        port = Integer.parseInt(kv.substring(kv.lastIndexOf(':') + 1));
                    }
                }
            }
            Thread.sleep(5);
        }
        assertThat(port).as("the listener's port, from rank 0's environment: " + out()).isPositive();
        List<Socket> silent = new ArrayList<>();
        int greeted = 0;
        InetAddress other = nonLoopbackAddress();
        if (other != null) {
            try (Socket s = new Socket()) {
                s.bind(new InetSocketAddress(other, 0));
                s.connect(new InetSocketAddress(other, port), 5000);
                s.setSoTimeout(5000);
                assertThat(s.getInputStream().read()).as("a host that is not the job's gets nothing").isEqualTo(-1);
            } catch (ConnectException late) {
                // the job already started: nothing to test against
            }
        }
        try {
            for (int i = 0; i < 3; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                s.setSoTimeout(10_000);
                byte[] magic = new DataInputStream(s.getInputStream()).readNBytes(8);
                if (new String(magic, StandardCharsets.US_ASCII).equals("JPARMPJ1")) {
                    greeted++;
                }
                OutputStream out = s.getOutputStream();
                if (i == 0) {
                    out.write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)); // garbage
                    out.flush();
                } else if (i == 1) {
                    out.write(new byte[] {0, 0, 0, 0}); // claims rank 0, with a wrong key
                    out.write(new byte[32]);
                    out.flush();
                    InputStream in = s.getInputStream();
                    in.skipNBytes(32);
                    assertThat(in.read()).as("an unauthenticated rank 0 is dropped").isEqualTo(-1);
                }
                silent.add(s); // the third says nothing at all
            }
        } catch (ConnectException late) {
            // the job started before all of them connected
        }
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(out()).isTrue();
        assertThat(p.exitValue()).as(out()).isZero();
        assertThat(Files.readAllLines(tmp.resolve("out.txt"))).as(out()).containsExactly("ready");
        assertThat(greeted).as("connections made while the job started (it started too fast to test otherwise)")
                .isPositive();
        for (Socket s : silent) {
            s.close();
        }
        int listenerPort = port;
        assertThat(connects(listenerPort)).as("the listener is closed once the job started").isFalse();
        assertNothingLeft(marker, 30);
    }

    private static boolean connects(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return s.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    private static InetAddress nonLoopbackAddress() throws IOException {
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!ni.isUp() || ni.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                if (a instanceof Inet4Address) {
                    return a;
                }
            }
        }
        return null;
    }
}
