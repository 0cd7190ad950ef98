package org.jpar.spi;

import java.util.function.BinaryOperator;

import org.jpar.Op;
import org.jpar.internal.PrimitiveArrays;

/**
 * Every collective built from point-to-point messages on internal tags ({@link Collectives#TAG_BARRIER}, ...), for
 * engines without native ones and as the base class of engines with some: an engine overrides what its library does
 * natively and inherits the rest.
 */
public class PointToPointCollectives implements Collectives {
    private static final Object TOKEN = Boolean.TRUE;

    /** The transport whose point-to-point messages carry the collectives. */
    protected final Transport t;

    /** @param transport the rank's endpoint into its group */
    public PointToPointCollectives(Transport transport) {
        this.t = transport;
    }

    /** Dissemination barrier: ceil(log2 n) rounds of one send and one receive. */
    @Override
    public void barrier() {
        int n = t.size();
        int me = t.rank();
        for (int step = 1; step < n; step <<= 1) {
            t.send(TOKEN, (me + step) % n, TAG_BARRIER);
            t.receive((me - step + n) % n, TAG_BARRIER, null);
        }
    }

    /** Binomial-tree broadcast rooted at {@code root}. */
    @Override
    public Object broadcast(Object message, int root) {
        int n = t.size();
        int rel = (t.rank() - root + n) % n;
        Object value = message;
        int mask = 1;
        while (mask < n) {
            if ((rel & mask) != 0) {
                value = t.receive((rel - mask + root) % n, TAG_BROADCAST, null).value();
                break;
            }
            mask <<= 1;
        }
        mask >>= 1;
        while (mask > 0) {
            if (rel + mask < n) {
                t.send(value, (rel + mask + root) % n, TAG_BROADCAST);
            }
            mask >>= 1;
        }
        return value;
    }

    @Override
    public void broadcastInto(Object array, int root) {
        Object v = broadcast(t.rank() == root ? array : null, root);
        if (t.rank() != root) {
            System.arraycopy(v, 0, array, 0, java.lang.reflect.Array.getLength(array));
        }
    }

    /** Linear gather (to be replaced by a binomial tree). */
    @Override
    public Object[] gather(Object value, int root) {
        int n = t.size();
        if (t.rank() != root) {
            t.send(value, root, TAG_GATHER);
            return null;
        }
        Object[] all = new Object[n];
        for (int r = 0; r < n; r++) {
            all[r] = r == root ? value : t.receive(r, TAG_GATHER, null).value();
        }
        return all;
    }

    @Override
    public Object[] allgather(Object value) {
        Object[] all = (Object[]) broadcast(gather(value, 0), 0);
        all = all.clone();
        all[t.rank()] = value;
        return all;
    }

    /** Linear scatter (to be replaced by a binomial tree). */
    @Override
    public Object scatter(Object[] values, int root) {
        if (t.rank() != root) {
            return t.receive(root, TAG_SCATTER, null).value();
        }
        for (int r = 0; r < t.size(); r++) {
            if (r != root) {
                t.send(values[r], r, TAG_SCATTER);
            }
        }
        return values[root];
    }

    @Override
    public Object[] alltoall(Object[] values) {
        throw notYet("alltoall");
    }

    /** Gathers at root and combines there in rank order (root's own value is copied first). */
    @Override
    public Object reduce(Object value, BinaryOperator<Object> op, int root) {
        Object[] all = gather(value, root);
        if (all == null) {
            return null;
        }
        all[root] = ownCopy(value);
        Object acc = all[0];
        for (int i = 1; i < all.length; i++) {
            acc = op.apply(acc, all[i]);
        }
        return acc;
    }

    @Override
    public Object allreduce(Object value, BinaryOperator<Object> op) {
        return broadcast(reduce(value, op, 0), 0);
    }

    @Override
    public Object scan(Object value, BinaryOperator<Object> op, boolean exclusive) {
        throw notYet(exclusive ? "exscan" : "scan");
    }

    @Override
    public void reduce(Object send, Object recv, Op op, int root) {
        throw notYet("reduce");
    }

    @Override
    public void allreduce(Object send, Object recv, Op op) {
        throw notYet("allreduce");
    }

    @Override
    public void scan(Object send, Object recv, Op op, boolean exclusive) {
        throw notYet("scan");
    }

    @Override
    public void reduceScatter(Object send, Object recv, int[] counts, Op op) {
        throw notYet("reduceScatter");
    }

    @Override
    public void gatherv(Object send, Object recv, int[] counts, int root) {
        throw notYet("gatherv");
    }

    @Override
    public void allgatherv(Object send, Object recv, int[] counts) {
        throw notYet("allgatherv");
    }

    @Override
    public void scatterv(Object send, int[] counts, Object recv, int root) {
        throw notYet("scatterv");
    }

    @Override
    public void alltoall(Object send, Object recv) {
        throw notYet("alltoall");
    }

    /**
     * @return a copy of {@code value} that a reduction operator may mutate: itself if immutable (null, String, a
     *         boxed primitive), a clone of a primitive array, else the engine's own copy (a message to this rank)
     */
    protected Object ownCopy(Object value) {
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean
                || value instanceof Character) {
            if (value == null || value.getClass().getName().startsWith("java.lang.")) {
                return value;
            }
        }
        if (PrimitiveArrays.isPrimitiveArray(value)) {
            return PrimitiveArrays.copy(value);
        }
        t.send(value, t.rank(), TAG_REDUCE);
        return t.receive(t.rank(), TAG_REDUCE, null).value();
    }

    private static UnsupportedOperationException notYet(String op) {
        return new UnsupportedOperationException(op + " is not implemented yet on this engine");
    }
}
