package org.jpar.engine.nativempi;

import org.jpar.spi.Transport;

/**
 * What {@link NativeEngine} needs of its world transport beyond {@link Transport}, implemented by the FFM classes
 * (compiled for Java 22, loaded only on JDK 22+). Public for that implementation only; not user API.
 */
public interface NativeWorld extends Transport {
    /**
     * Stops the whole job: {@code MPI_Abort} on the world communicator, silently (the caller has said why); does not
     * return when it works.
     */
    void abortJob(int code);

    /** {@code MPI_Finalize}, once (blocks until every rank finalizes); closes first. */
    void finalizeMpi();

    /** @return true once {@link #close()} ended this rank's communication */
    boolean isClosed();

    /** @return true once {@link #finalizeMpi()} ran: MPI can no longer abort the job */
    boolean isFinalized();

    /** @return the MPI library's own version line, e.g. {@code Open MPI v4.1.4, ...} */
    String libraryVersion();
}
