package org.jpar.engine.nativempi;

/** The failure kinds on the native engine under MPICH. */
class NativeMpichFailuresIT extends NativeFailuresIT {
    NativeMpichFailuresIT() {
        super(NativeTests.Mpi.MPICH);
    }
}
