package org.jpar.engine.nativempi.ffm;

import java.util.List;

import org.jpar.JparException;
import org.jpar.engine.nativempi.NativeWorld;

/**
 * Loads the MPI library of the launcher that started this process, checks it is that MPI, and initializes it.
 * Called reflectively by {@link org.jpar.engine.nativempi.NativeEngine} (on JDK 22+ only).
 */
public final class Connect {
    private Connect() {
    }

    /**
     * @param mpi          {@code openmpi} or {@code mpich}: the launcher's MPI, read from its environment
     * @param launcherSize the number of ranks the launcher started, or -1 when unknown
     * @param library      the library to load instead of the MPI's usual one, or null
     * @param threads      {@code multiple} or {@code serialized}
     * @return this process's world transport
     */
    public static NativeWorld connect(String mpi, int launcherSize, String library, String threads) {
        boolean openMpi = mpi.equals("openmpi");
        String what = openMpi ? "Open MPI" : "MPICH";
        List<String> candidates = library != null ? List.of(library)
                : openMpi ? List.of("libmpi.so.40", "libmpi.so") : List.of("libmpich.so.12", "libmpi.so.12", "libmpich.so");
        Signals signals = Signals.keepJvmHandlers();
        Library lib = Library.open(candidates, what, openMpi
                ? "install Open MPI (mpirun-scripts/install-engines), or give its libmpi with -Djpar.native.library=PATH"
                : "install MPICH (mpirun-scripts/install-engines), or give its libmpich with -Djpar.native.library=PATH");
        signals.restore();
        String version = lib.libraryVersion();
        String firstLine = version.lines().findFirst().orElse(version);
        boolean looksOpenMpi = !lib.find("ompi_mpi_comm_world").equals(java.lang.foreign.MemorySegment.NULL);
        boolean looksMpich = !lib.find("MPII_Version_string").equals(java.lang.foreign.MemorySegment.NULL)
                || version.startsWith("MPICH") || version.contains("MVAPICH") || version.contains("Intel(R) MPI");
        if (openMpi != looksOpenMpi || (!openMpi && !looksMpich)) {
            throw new JparException("this rank was started by " + what + "'s launcher, but the MPI library " + lib
                    + " is " + (looksOpenMpi ? "Open MPI" : looksMpich ? "MPICH" : "neither Open MPI nor MPICH")
                    + " (" + firstLine + "): start the job with the launcher of the library's MPI (jpar run --engine "
                    + "native --mpi " + (looksOpenMpi ? "openmpi" : "mpich") + "), or give " + what
                    + "'s library with -Djpar.native.library=PATH");
        }
        Mpi.Binding.bind(lib, Abi.of(openMpi ? Abi.Family.OPEN_MPI : Abi.Family.MPICH, lib));
        NativeTransport t = new NativeTransport(threads, firstLine);
        signals.restore();
        if (launcherSize >= 0 && t.size() != launcherSize) {
            int size = t.size();
            throw new JparException("the launcher started " + launcherSize + " ranks but MPI_Comm_size says " + size
                    + " with " + lib + " (" + firstLine + "): the library is not the launcher's MPI; start the job "
                    + "with the launcher of that library's MPI or give the launcher's library with "
                    + "-Djpar.native.library=PATH");
        }
        return t;
    }
}
