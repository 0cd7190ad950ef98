package org.jpar.engine;

import java.lang.reflect.Method;
import java.util.List;

import org.jpar.contract.ContractSuite;
import org.jpar.engine.threads.ThreadsEngine;

/** The contract on the embedded engine. */
class ThreadsContractTest extends ContractSuite {
    @Override
    protected void run(int size, List<Method> methods) {
        ThreadsEngine.run(size, world -> {
            for (Method m : methods) {
                invoke(m, world);
                world.barrier();
            }
        });
    }
}
