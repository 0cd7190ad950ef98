package org.jpar.engine.nativempi;

import org.junit.jupiter.api.Test;

/** The contract on the native engine under Open MPI's {@code mpirun}. */
class NativeOpenMpiContractIT extends NativeContractIT {
    NativeOpenMpiContractIT() {
        super(NativeTests.Mpi.OPENMPI);
    }

    /** With jpar serializing its MPI calls itself the same contract holds. */
    @Test
    void theContractHoldsWithSerializedMpiCalls() throws Exception {
        NativeTests.require(NativeTests.Mpi.OPENMPI);
        runContract(NativeTests.Mpi.OPENMPI, 3, methods(), java.util.List.of("-Djpar.native.threads=serialized"));
    }
}
