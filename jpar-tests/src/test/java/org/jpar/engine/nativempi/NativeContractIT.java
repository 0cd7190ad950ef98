package org.jpar.engine.nativempi;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jpar.contract.ContractMain;
import org.jpar.contract.ContractSuite;
import org.jpar.launcher.Jpar;

/**
 * The core's contract, unchanged, on the native engine under one MPI's own launcher: one job per size runs every
 * contract method ({@link ContractMain}) with this JVM's class path on a JDK 22+, the engine chosen automatically.
 */
abstract class NativeContractIT extends ContractSuite {
    private final NativeTests.Mpi mpi;

    NativeContractIT(NativeTests.Mpi mpi) {
        this.mpi = mpi;
    }

    @Override
    protected boolean oneJobPerSize() {
        return true;
    }

    @Override
    protected void run(int size, List<Method> methods) throws Exception {
        NativeTests.require(mpi);
        runContract(mpi, size, methods, List.of());
    }

    static void runContract(NativeTests.Mpi mpi, int size, List<Method> methods, List<String> jvmOptions)
            throws Exception {
        List<String> cmd = mpi.launch(size);
        cmd.addAll(NativeTests.java());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ContractMain.class.getName()));
        List<String> names = new ArrayList<>();
        methods.forEach(m -> names.add(m.getName()));
        cmd.addAll(names);
        Jpar.Result r = NativeTests.exec(cmd, Map.of(), 900);
        assertThat(r.exitCode()).as("%s%n%s", String.join(" ", cmd), r).isZero();
        for (String name : names) {
            assertThat(r.out()).as(r.toString()).contains("contract ok " + name + " at " + size + " ranks");
        }
    }
}
