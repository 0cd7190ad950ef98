package org.jpar.engine.openmpi;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jpar.contract.ContractMain;
import org.jpar.contract.ContractSuite;
import org.jpar.launcher.Jpar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The core's contract, unchanged, under {@code mpirun}: one job per size runs every contract method
 * ({@link ContractMain}) with this JVM's class path (test classes, classes, dependencies).
 */
class OpenMpiContractIT extends ContractSuite {
    @BeforeAll
    static void openMpi() {
        OpenMpiTests.requireOpenMpi();
    }

    @Override
    protected boolean oneJobPerSize() {
        return true;
    }

    @Override
    protected void run(int size, List<Method> methods) throws Exception {
        runContract(size, methods, List.of());
    }

    /** Without MPI_THREAD_MULTIPLE jpar serializes its MPI calls itself: the same contract holds. */
    @Test
    void theContractHoldsWithSerializedMpiCalls() throws Exception {
        runContract(3, methods(), List.of("-Djpar.openmpi.threads=serialized"));
    }

    /** Values larger than one message, of every kind, broadcast from every root (not in the core's contract). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"multiple", "serialized"})
    void largeBroadcasts(String threads) throws Exception {
        List<String> cmd = OpenMpiTests.mpirun(3);
        cmd.addAll(OpenMpiTests.java());
        cmd.addAll(List.of("-Djpar.openmpi.threads=" + threads, "-cp",
                System.getProperty("java.class.path"), LargeBroadcasts.class.getName()));
        Jpar.Result r = OpenMpiTests.exec(cmd, Map.of(), 300);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString())
                .containsExactlyInAnyOrder("rank 0 broadcasts ok", "rank 1 broadcasts ok", "rank 2 broadcasts ok");
    }

    private static void runContract(int size, List<Method> methods, List<String> jvmOptions) throws Exception {
        List<String> cmd = OpenMpiTests.mpirun(size);
        cmd.addAll(OpenMpiTests.java());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ContractMain.class.getName()));
        List<String> names = new ArrayList<>();
        methods.forEach(m -> names.add(m.getName()));
        cmd.addAll(names);
        Jpar.Result r = OpenMpiTests.exec(cmd, Map.of(), 900);
        assertThat(r.exitCode()).as("%s%n%s", String.join(" ", cmd), r).isZero();
        for (String name : names) {
            assertThat(r.out()).as(r.toString()).contains("contract ok " + name + " at " + size + " ranks");
        }
    }
}
