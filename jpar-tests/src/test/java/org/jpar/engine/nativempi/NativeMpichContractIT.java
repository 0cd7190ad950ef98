package org.jpar.engine.nativempi;

/** The contract on the native engine under MPICH's {@code mpiexec.mpich}. */
class NativeMpichContractIT extends NativeContractIT {
    NativeMpichContractIT() {
        super(NativeTests.Mpi.MPICH);
    }
}
