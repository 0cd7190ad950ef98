package org.jpar.engine.openmpi;

import org.jpar.spi.PointToPointCollectives;

/**
 * The Open MPI engine's collectives: native where Open MPI has them, the point-to-point algorithms otherwise.
 */
final class OpenMpiCollectives extends PointToPointCollectives {
    private final OpenMpiTransport mpi;

    OpenMpiCollectives(OpenMpiTransport transport) {
        super(transport);
        this.mpi = transport;
    }

    @Override
    public void barrier() {
        mpi.barrier();
    }

    @Override
    public Object broadcast(Object value, int root) {
        return mpi.broadcast(value, root);
    }
}
