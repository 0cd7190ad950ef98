package org.jpar.engine.nativempi;

/** The failure kinds on the native engine under Open MPI. */
class NativeOpenMpiFailuresIT extends NativeFailuresIT {
    NativeOpenMpiFailuresIT() {
        super(NativeTests.Mpi.OPENMPI);
    }
}
