package org.jpar.engine.nativempi.ffm;

import org.jpar.spi.PointToPointCollectives;

/**
 * The native engine's collectives: the MPI library's own where it has them, the point-to-point algorithms otherwise.
 */
final class NativeCollectives extends PointToPointCollectives {
    private final NativeTransport mpi;

    NativeCollectives(NativeTransport transport) {
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
