package org.jpar.engine.nativempi.ffm;

import org.jpar.Op;
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

    /** {@code MPI_Bcast}. */
    @Override
    public void broadcastInto(Object array, int root) {
        mpi.broadcastInto(array, root);
    }

    /** {@code MPI_Reduce} with MPI's built-in operation; MINLOC/MAXLOC pairs by jpar's own algorithm. */
    @Override
    public void reduce(Object send, Object recv, Op op, int root) {
        if (mpi.nativeOp(op)) {
            mpi.reduce(send, recv, op, root);
        } else {
            super.reduce(send, recv, op, root);
        }
    }

    /** {@code MPI_Allreduce} with MPI's built-in operation; MINLOC/MAXLOC pairs by jpar's own algorithm. */
    @Override
    public void allreduce(Object send, Object recv, Op op) {
        if (mpi.nativeOp(op)) {
            mpi.reduce(send, recv, op, -1);
        } else {
            super.allreduce(send, recv, op);
        }
    }
}
