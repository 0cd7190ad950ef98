package org.jpar.engine.mpj;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jpar.launcher.Jpar;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ring on MPJ Express's niodev device across two hosts over TCP: hosts simulated with network namespaces
 * ({@code mpirun-scripts/netns-cluster}, under names and addresses of its own so it never meets the Open MPI cluster
 * test's), a hostfile naming them, {@code jpar run --engine mpj --device niodev --hostfile}, the netns agent as the
 * remote shell. The launcher serves the rendezvous from the first host; the ranks of the second reach it over the
 * simulated network. Then a rank on the second host fails, and the whole job stops. The namespaces and their
 * {@code /etc/hosts} lines are removed afterwards, also when the test fails. Needs root and {@code ip netns}.
 */
class MpjClusterIT {
    private static final Map<String, String> CLUSTER = Map.of("NETNS_CLUSTER_PREFIX", "mj", "NETNS_CLUSTER_NET",
            "10.78.0", "NETNS_CLUSTER_STATE", "/run/jpar-netns-mpj");

    @TempDir
    Path tmp;

    @BeforeAll
    static void mpjAndNamespaces() throws Exception {
        MpjTests.requireMpj();
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "the cluster test creates network namespaces: it needs root");
        Jpar.Result ip = Jpar.exec(List.of("ip", "netns", "list"), Map.of(), 30);
        Assumptions.assumeTrue(ip.exitCode() == 0, "'ip netns' is not available here: " + ip);
    }

    @Test
    void theRingRunsAcrossTwoHostsAndAFailureOnTheSecondStopsTheJob() throws Exception {
        String cluster = Jpar.home().resolve("mpirun-scripts/netns-cluster").toString();
        Path hostfile = tmp.resolve("hosts");
        Files.writeString(hostfile, "mj1 slots=2\nmj2 slots=2\n");
        String marker = "-Djpar.test.marker=" + UUID.randomUUID();
        Map<String, String> env = new java.util.HashMap<>(CLUSTER);
        env.put("JPAR_MPJ_RSH", CLUSTER.get("NETNS_CLUSTER_STATE") + "/rsh-agent");
        env.put("JPAR_JAVA_OPTS", marker);
        try {
            Jpar.Result up = Jpar.exec(List.of(cluster, "up", "2"), CLUSTER, 120);
            assertThat(up.exitCode()).as(up.toString()).isZero();
            Jpar.Result r = MpjTests.exec(List.of(cluster, "run", "--",
                    Jpar.home().resolve("mpirun-scripts/jpar").toString(), "run", "--engine", "mpj", "--device",
                    "niodev", "-np", "4", "--hostfile", hostfile.toString(), "org.jpar.examples.Ring"), env, 300);
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).as(r.toString()).containsExactlyInAnyOrder("I am rank 0 of 4 on node mj1",
                    "I am rank 1 of 4 on node mj1", "I am rank 2 of 4 on node mj2", "I am rank 3 of 4 on node mj2",
                    "Processor 0 received message \"P0P1P2P3\" from rank 3");
            assertThat(r.err()).as(r.toString()).isEmpty();

            Jpar.Result f = MpjTests.exec(List.of(cluster, "run", "--",
                    Jpar.home().resolve("mpirun-scripts/jpar").toString(), "run", "--engine", "mpj", "--device",
                    "niodev", "-np", "4", "--hostfile", hostfile.toString(), "--class-path", Jpar.testClasses(),
                    "org.jpar.programs.ThrowInTryWithResources", "barrier", "3"), env, 300);
            assertThat(f.exitCode()).as(f.toString()).isEqualTo(1);
            assertThat(f.err()).as(f.toString())
                    .anyMatch(l -> l.startsWith("jpar: rank 3 of 4 failed: java.lang.IllegalStateException: boom"));
            assertThat(f.millis()).as(f.toString()).isLessThan(120_000);
            assertThat(MpjTests.leftovers(marker, 10_000)).as(f.toString()).isEmpty();
        } finally {
            Jpar.Result down = Jpar.exec(List.of(cluster, "down"), CLUSTER, 120);
            assertThat(down.exitCode()).as(down.toString()).isZero();
            Jpar.Result status = Jpar.exec(List.of(cluster, "status"), CLUSTER, 60);
            assertThat(status.out()).containsExactly("no cluster");
            assertThat(Files.readString(Path.of("/etc/hosts"))).doesNotContain("10.78.0.");
        }
    }
}
