package org.jpar.engine.mpj;

import java.lang.reflect.Method;
import java.util.List;

import org.jpar.contract.ContractSuite;
import org.junit.jupiter.api.BeforeAll;

/** The core's contract, unchanged, on MPJ Express's niodev device (one JVM per rank over TCP, the launcher serving the rendezvous): one job per size, every contract method. */
class MpjNiodevContractIT extends ContractSuite {
    @BeforeAll
    static void mpj() {
        MpjTests.requireMpj();
    }

    @Override
    protected boolean oneJobPerSize() {
        return true;
    }

    @Override
    protected void run(int size, List<Method> methods) throws Exception {
        MpjContract.run("niodev", size, methods);
    }
}
