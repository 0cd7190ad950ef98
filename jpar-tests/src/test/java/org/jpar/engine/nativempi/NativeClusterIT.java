package org.jpar.engine.nativempi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.jpar.engine.openmpi.OpenMpiTestsAccess;
import org.jpar.launcher.Jpar;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The ring across two simulated hosts (network namespaces, real TCP) on the native engine, with each MPI, through
 * {@code jpar run --engine native --mpi M --hostfile FILE}. The cluster has its own prefix ({@code jn}) and network,
 * so it never touches the Open MPI engine's cluster test.
 */
class NativeClusterIT {
    private static final Map<String, String> CLUSTER = Map.of("NETNS_CLUSTER_PREFIX", "jn", "NETNS_CLUSTER_NET",
            "10.78.0");

    @TempDir
    Path tmp;

    /**
     * Open MPI only: under MPICH 4.0.2 (Hydra through the cluster's rsh agent, UCX over TCP) the ring runs across
     * both hosts, then the job usually hangs in MPI_Finalize, and so does a plain C program (ring, then MPI_Finalize
     * from the main thread; 4 hangs in 5 runs): one rank in UCX's disconnect inside MPI_Finalize, the others in the
     * PMI barrier after it, making no progress (the finalize deadlock of UCX-based MPIs; see the README).
     */
    @ParameterizedTest
    @EnumSource(value = NativeTests.Mpi.class, names = "OPENMPI")
    void theRingRunsAcrossTwoHosts(NativeTests.Mpi mpi) throws Exception {
        NativeTests.require(mpi);
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "the cluster test creates network namespaces: it needs root");
        String cluster = Jpar.home().resolve("mpirun-scripts/netns-cluster").toString();
        Path hostfile = tmp.resolve("hosts");
        Files.writeString(hostfile, "jn1 slots=2\njn2 slots=2\n");
        try {
            Jpar.Result up = NativeTests.exec(List.of(cluster, "up", "2"), CLUSTER, 120);
            assertThat(up.exitCode()).as(up.toString()).isZero();
            Map<String, String> env = new java.util.HashMap<>(CLUSTER);
            env.put("JPAR_JAR", OpenMpiTestsAccess.jparJar());
            Jpar.Result r = NativeTests.exec(List.of(cluster, "run", "--",
                    Jpar.home().resolve("mpirun-scripts/jpar").toString(), "run", "--engine", "native", "--mpi",
                    mpi.name, "-np", "4", "--hostfile", hostfile.toString(), "org.jpar.examples.Ring"), env, 300);
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).as(r.toString()).contains("I am rank 0 of 4 on node jn1", "I am rank 1 of 4 on node jn1",
                    "I am rank 2 of 4 on node jn2", "I am rank 3 of 4 on node jn2",
                    "Processor 0 received message \"P0P1P2P3\" from rank 3");
        } finally {
            Jpar.Result down = NativeTests.exec(List.of(cluster, "down"), CLUSTER, 120);
            assertThat(down.exitCode()).as(down.toString()).isZero();
            Jpar.Result status = NativeTests.exec(List.of(cluster, "status"), CLUSTER, 60);
            assertThat(status.out()).containsExactly("no cluster");
            assertThat(Files.readString(Path.of("/etc/hosts"))).doesNotContain("jpar-netns-cluster-jn");
        }
    }
}
