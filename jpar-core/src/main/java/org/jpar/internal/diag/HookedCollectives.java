package org.jpar.internal.diag;

import java.util.function.BinaryOperator;

import org.jpar.Op;
import org.jpar.internal.PrimitiveArrays;
import org.jpar.spi.Collectives;

/**
 * An engine's collectives with a {@link Hook} around each call: strict mode's check that every rank calls the same
 * collective, and the trace and hang watch's record of what a rank is in. Nested collectives of the engine's own
 * (its point-to-point messages) are not seen here.
 */
public final class HookedCollectives implements Collectives {
    /** What runs around every collective. */
    public interface Hook {
        /**
         * Called before the collective.
         *
         * @param op     its name, e.g. {@code broadcast}
         * @param root   its root, or -1
         * @param detail what else must agree across ranks, e.g. {@code op=SUM, double[]}, or empty
         * @return a token for {@link #exit}
         */
        Object enter(String op, int root, String detail);

        /** Called after the collective, also when it threw. */
        void exit(Object token);

        /** @return false if {@link #enter} ignores its {@code detail} (then it gets an empty one, built for nothing) */
        default boolean usesDetail() {
            return true;
        }
    }

    private final java.util.function.Supplier<Collectives> make;
    private Collectives made;
    private final Hook hook;
    /** {@link Hook#usesDetail()}: whether each collective's detail string is built at all. */
    private final boolean detail;

    /**
     * @param inner the engine's collectives
     * @param hook  what runs around each of them
     */
    public HookedCollectives(Collectives inner, Hook hook) {
        this(() -> inner, hook);
        this.made = inner;
    }

    /**
     * @param inner makes the engine's collectives, called inside the hook of the first collective: an engine's
     *              {@code Transport.collectives()} may itself wait for the other ranks (the embedded engine's ranks
     *              meet there to share a slot), and that wait belongs to the first collective
     * @param hook  what runs around each of them
     */
    public HookedCollectives(java.util.function.Supplier<Collectives> inner, Hook hook) {
        this.make = inner;
        this.hook = hook;
        this.detail = hook.usesDetail();
    }

    /** @return the collectives this one wraps */
    public Collectives inner() {
        return c();
    }

    /** A rank runs one collective at a time on a communicator (Communicator checks), so no lock is needed. */
    private Collectives c() {
        Collectives x = made;
        if (x == null) {
            x = make.get();
            made = x;
        }
        return x;
    }

    private String type(Object array) {
        return !detail || array == null || !PrimitiveArrays.isPrimitiveArray(array) ? ""
                : array.getClass().getSimpleName();
    }

    private String opAnd(Op op, Object array) {
        if (!detail) {
            return "";
        }
        String t = type(array);
        return "op=" + op + (t.isEmpty() ? "" : ", " + t);
    }

    @Override
    public void barrier() {
        Object k = hook.enter("barrier", -1, "");
        try {
            c().barrier();
        } finally {
            hook.exit(k);
        }
    }

    @Override
    public Object broadcast(Object value, int root) {
        Object k = hook.enter("broadcast", root, "");
        try {
            return c().broadcast(value, root);
        } finally {
            hook.exit(k);
        }
    }

    @Override
    public void broadcastInto(Object array, int root) {
        Object k = hook.enter("broadcastInto", root, type(array));
        try {
            c().broadcastInto(array, root);
        } finally {
            hook.exit(k);
        }
    }

    @Override
    public Object[] gather(Object value, int root) {
        Object k = hook.enter("gather", root, "");
        try {
            return c().gather(value, root);
        } finally {
            hook.exit(k);
        }
    }

    @Override
    public Object[] allgather(Object value) {
        Object k = hook.enter("allgather", -1, "");
        try {
            return c().allgather(value);
        } finally {
            hook.exit(k);
        }
    }

    @Override
    public Object scatter(Object[] values, int root) {
        Object k = hook.enter("scatter", root, "");
        try {
            return c().scatter(values, root);
        } finally {
            hook.exit(k);
        }
    }

    @Override
    public Object[] alltoall(Object[] values) {
        Object k = hook.enter("alltoall", -1, "");
        try {
            return c().alltoall(values);
        } finally {
            hook.exit(k);
        }
    }

    @Override
    public Object reduce(Object value, BinaryOperator<Object> op, int root) {
        Object k = hook.enter("reduce", root, "");
        try {
            return c().reduce(value, op, root);
        } finally {
            hook.exit(k);
        }
    }

    @Override
    public Object allreduce(Object value, BinaryOperator<Object> op) {
        Object k = hook.enter("allreduce", -1, "");
        try {
            return c().allreduce(value, op);
        } finally {
            hook.exit(k);
        }
    }

    @Override
    public Object scan(Object value, BinaryOperator<Object> op, boolean exclusive) {
        Object k = hook.enter(exclusive ? "exscan" : "scan", -1, "");
        try {
            return c().scan(value, op, exclusive);
        } finally {
            hook.exit(k);
        }
    }

    @Override
    public void reduce(Object send, Object recv, Op op, int root) {
        Object k = hook.enter("reduce", root, opAnd(op, send));
        try {
            c().reduce(send, recv, op, root);
        } finally {
            hook.exit(k);
        }
    }

    @Override
    public void allreduce(Object send, Object recv, Op op) {
        Object k = hook.enter("allreduce", -1, opAnd(op, send));
        try {
            c().allreduce(send, recv, op);
        } finally {
            hook.exit(k);
        }
    }

    @Override
    public void scan(Object send, Object recv, Op op, boolean exclusive) {
        Object k = hook.enter(exclusive ? "exscan" : "scan", -1, opAnd(op, send));
        try {
            c().scan(send, recv, op, exclusive);
        } finally {
            hook.exit(k);
        }
    }

    @Override
    public void reduceScatter(Object send, Object recv, int[] counts, Op op) {
        Object k = hook.enter("reduceScatter", -1, opAnd(op, send));
        try {
            c().reduceScatter(send, recv, counts, op);
        } finally {
            hook.exit(k);
        }
    }

    @Override
    public void gatherv(Object send, Object recv, int[] counts, int root) {
        Object k = hook.enter("gatherv", root, type(send));
        try {
            c().gatherv(send, recv, counts, root);
        } finally {
            hook.exit(k);
        }
    }

    @Override
    public void allgatherv(Object send, Object recv, int[] counts) {
        Object k = hook.enter("allgatherv", -1, type(send));
        try {
            c().allgatherv(send, recv, counts);
        } finally {
            hook.exit(k);
        }
    }

    @Override
    public void scatterv(Object send, int[] counts, Object recv, int root) {
        Object k = hook.enter("scatterv", root, type(recv));
        try {
            c().scatterv(send, counts, recv, root);
        } finally {
            hook.exit(k);
        }
    }

    @Override
    public void alltoall(Object send, Object recv) {
        Object k = hook.enter("alltoall", -1, type(send));
        try {
            c().alltoall(send, recv);
        } finally {
            hook.exit(k);
        }
    }
}
