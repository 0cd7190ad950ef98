package org.jpar.contract;

import java.lang.reflect.Method;
import java.util.List;

import org.jpar.Communicator;
import org.jpar.Par;

/**
 * The contract as an SPMD program, for engines with their own launcher ({@code mpirun}): every rank runs every
 * contract method (or those named in the arguments) with a barrier between them. Rank 0 prints
 * {@code contract ok <method>} after each; a failing method throws out of main, which aborts the job.
 */
public final class ContractMain {
    private ContractMain() {
    }

    public static void main(String[] args) throws Throwable {
        Communicator world = Par.init(args);
        List<Method> methods = ContractSuite.methods();
        for (Method m : methods) {
            if (args.length > 0 && !List.of(args).contains(m.getName())) {
                continue;
            }
            ContractSuite.invoke(m, world);
            world.barrier();
            if (world.rank() == 0) {
                System.out.println("contract ok " + m.getName() + " at " + world.size() + " ranks");
            }
        }
        Par.finish();
    }
}
