package org.jpar.spi;

import java.lang.reflect.Array;
import java.util.function.BinaryOperator;

import org.jpar.Envelope;
import org.jpar.JparException;
import org.jpar.Op;
import org.jpar.Request;
import org.jpar.internal.ArrayOps;
import org.jpar.internal.PrimitiveArrays;

/**
 * Every collective built from point-to-point messages on internal tags ({@link Collectives#TAG_BARRIER}, ...), for
 * engines without native ones and as the base class of engines with some: an engine overrides what its library does
 * natively and inherits the rest.
 *
 * <p>Algorithms (n ranks; no rank sends or receives more than O(log n) messages where a tree exists): dissemination
 * barrier; binomial trees for broadcast, gather(v), scatter(v) and reduce; recursive doubling for allreduce of arrays
 * (with the usual fold of the ranks beyond the largest power of two) and for scans (Hillis-Steele: each rank keeps the
 * reduction of its window, and user operators are applied in rank order); reduce + broadcast for allreduce of objects,
 * gather(v) + broadcast for allgather(v), reduce + scatterv for reduceScatter; pairwise exchange (n - 1 steps, the data
 * is O(n) anyway) for alltoall.
 *
 * <p>User operators only ever see copies (a rank's own value is copied before it is combined; other values arrive as
 * copies) and are applied in rank order, so they need to be associative but not commutative. The built-in {@link Op}s
 * are commutative (MPI-4.1 6.9.2), so array reductions combine in tree order. Arrays of a different type or length on
 * another rank are reported by the rank that receives them, naming both ranks.
 */
public class PointToPointCollectives implements Collectives {
    private static final Object TOKEN = Boolean.TRUE;
    private static final long SCRATCH_RETAIN = 4L << 20;

    /** Blocks of {@link #alltoall} kept for the next call (see {@link #blockScratch}). */
    private final Object[] scratch = new Object[2];

    /** The transport whose point-to-point messages carry the collectives. */
    protected final Transport t;

    /** @param transport the rank's endpoint into its group */
    public PointToPointCollectives(Transport transport) {
        this.t = transport;
    }

    // ---------------------------------------------------------------- objects

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

    /** Binomial-tree broadcast into every rank's buffer (each forwards its own filled buffer). */
    @Override
    public void broadcastInto(Object array, int root) {
        int n = t.size();
        int rel = (t.rank() - root + n) % n;
        int mask = 1;
        while (mask < n) {
            if ((rel & mask) != 0) {
                int from = (rel - mask + root) % n;
                receiveAlike("broadcastInto", array, from, TAG_BROADCAST);
                break;
            }
            mask <<= 1;
        }
        mask >>= 1;
        while (mask > 0) {
            if (rel + mask < n) {
                sendBroadcastArray(array, (rel + mask + root) % n, TAG_BROADCAST);
            }
            mask >>= 1;
        }
    }

    /**
     * One send of {@link #broadcastInto}'s tree: a blocking standard send. An engine may wait longer, e.g. until the
     * receiver took the array (MPI lets a collective synchronize).
     */
    protected void sendBroadcastArray(Object array, int dest, int tag) {
        t.send(array, dest, tag);
    }

    /** Binomial-tree gather: each rank forwards its subtree's values (in rank order relative to root) to its parent. */
    @Override
    public Object[] gather(Object value, int root) {
        int n = t.size();
        int me = t.rank();
        int rel = (me - root + n) % n;
        Object[] sub = new Object[] {value};
        int mask = 1;
        while (mask < n) {
            if ((rel & mask) != 0) {
                t.send(sub, (rel - mask + root) % n, TAG_GATHER);
                return null;
            }
            if (rel + mask < n) {
                Object[] got = (Object[]) t.receive((rel + mask + root) % n, TAG_GATHER, null).value();
                Object[] grown = new Object[sub.length + got.length];
                System.arraycopy(sub, 0, grown, 0, sub.length);
                System.arraycopy(got, 0, grown, sub.length, got.length);
                sub = grown;
            }
            mask <<= 1;
        }
        Object[] all = new Object[n];
        for (int i = 0; i < n; i++) {
            all[(i + root) % n] = sub[i];
        }
        all[me] = value;
        return all;
    }

    /** Gather at rank 0, then broadcast; this rank's own object at its index. */
    @Override
    public Object[] allgather(Object value) {
        Object[] all = (Object[]) broadcast(gather(value, 0), 0);
        all = all.clone();
        all[t.rank()] = value;
        return all;
    }

    /** Binomial-tree scatter: each rank receives its subtree's values and passes halves on. */
    @Override
    public Object scatter(Object[] values, int root) {
        int n = t.size();
        int me = t.rank();
        int rel = (me - root + n) % n;
        Object[] sub = null;
        int mask = 1;
        while (mask < n) {
            if ((rel & mask) != 0) {
                sub = (Object[]) t.receive((rel - mask + root) % n, TAG_SCATTER, null).value();
                break;
            }
            mask <<= 1;
        }
        if (sub == null) { // root: its values in relative order
            sub = new Object[n];
            for (int i = 0; i < n; i++) {
                sub[i] = values[(i + root) % n];
            }
        }
        mask >>= 1;
        while (mask > 0) {
            if (rel + mask < n) {
                int len = Math.min(mask, sub.length - mask);
                Object[] part = new Object[len];
                System.arraycopy(sub, mask, part, 0, len);
                t.send(part, (rel + mask + root) % n, TAG_SCATTER);
            }
            mask >>= 1;
        }
        return rel == 0 ? values[root] : sub[0];
    }

    /** Pairwise exchange: in step i, send to rank + i and receive from rank - i. */
    @Override
    public Object[] alltoall(Object[] values) {
        int n = t.size();
        int me = t.rank();
        Object[] out = new Object[n];
        out[me] = values[me];
        for (int i = 1; i < n; i++) {
            int dst = (me + i) % n;
            int src = (me - i + n) % n;
            Request<Void> s = t.isend(values[dst], dst, TAG_ALLTOALL);
            out[src] = t.receive(src, TAG_ALLTOALL, null).value();
            s.await();
        }
        return out;
    }

    /**
     * Binomial tree over absolute ranks to rank 0 (a subtree is a run of consecutive ranks, so {@code op} is applied
     * in rank order), then to root.
     */
    @Override
    public Object reduce(Object value, BinaryOperator<Object> op, int root) {
        Object acc = reduceToZero(value, op);
        int me = t.rank();
        if (root == 0) {
            return me == 0 ? acc : null;
        }
        if (me == 0) {
            t.send(acc, root, TAG_REDUCE);
            return null;
        }
        return me == root ? t.receive(0, TAG_REDUCE, null).value() : null;
    }

    /** @return at rank 0 the reduction (a copy, never the caller's object), elsewhere null */
    private Object reduceToZero(Object value, BinaryOperator<Object> op) {
        int n = t.size();
        int me = t.rank();
        Object acc = null;
        boolean own = false;
        for (int mask = 1; mask < n; mask <<= 1) {
            if ((me & mask) != 0) {
                t.send(own ? acc : value, me - mask, TAG_REDUCE);
                return null;
            }
            if (me + mask < n) {
                Object later = t.receive(me + mask, TAG_REDUCE, null).value();
                acc = apply(op, own ? acc : ownCopy(value), later);
                own = true;
            }
        }
        return own ? acc : ownCopy(value);
    }

    /** Runs the user's operator, marked as work for the hang watch (it computes inside a collective). */
    private static Object apply(BinaryOperator<Object> op, Object a, Object b) {
        boolean w = org.jpar.internal.diag.Working.begin();
        try {
            return op.apply(a, b);
        } finally {
            org.jpar.internal.diag.Working.end(w);
        }
    }

    /** Reduce to rank 0 in rank order, then broadcast. */
    @Override
    public Object allreduce(Object value, BinaryOperator<Object> op) {
        return broadcast(reduceToZero(value, op), 0);
    }

    /**
     * Recursive doubling (Hillis-Steele): in round k a rank exchanges the reduction of its window of 2^k ranks with
     * rank ^ 2^k, and folds in what came from below; operators see copies only, in rank order.
     */
    @Override
    public Object scan(Object value, BinaryOperator<Object> op, boolean exclusive) {
        int n = t.size();
        int me = t.rank();
        Object partial = value; // the reduction over this rank's window, a copy once combined
        boolean partialOwn = false;
        Object result = exclusive ? null : value;
        boolean resultOwn = false;
        boolean haveResult = !exclusive;
        for (int mask = 1; mask < n; mask <<= 1) {
            int partner = me ^ mask;
            if (partner >= n) {
                continue;
            }
            Request<Void> s = t.isend(partial, partner, TAG_SCAN);
            Object got = t.receive(partner, TAG_SCAN, null).value();
            s.await();
            if (partner < me) {
                Object forResult = ownCopy(got);
                if (haveResult) {
                    result = apply(op, forResult, resultOwn ? result : ownCopy(result));
                } else {
                    result = forResult;
                    haveResult = true;
                }
                resultOwn = true;
                partial = apply(op, got, partialOwn ? partial : ownCopy(partial));
            } else {
                partial = apply(op, partialOwn ? partial : ownCopy(partial), got);
            }
            partialOwn = true;
        }
        if (!haveResult) {
            return null;
        }
        return resultOwn ? result : ownCopy(result);
    }

    // ---------------------------------------------------------------- primitive arrays

    /** Binomial tree rooted at root: each rank combines its children's partial results into its own copy. */
    @Override
    public void reduce(Object send, Object recv, Op op, int root) {
        int n = t.size();
        int me = t.rank();
        int rel = (me - root + n) % n;
        Object acc = send;
        boolean own = false;
        if (rel == 0) {
            if (recv != send) {
                System.arraycopy(send, 0, recv, 0, Array.getLength(send));
            }
            acc = recv;
            own = true;
        }
        for (int mask = 1; mask < n; mask <<= 1) {
            if ((rel & mask) != 0) {
                t.send(acc, (rel - mask + root) % n, TAG_REDUCE);
                return;
            }
            if (rel + mask < n) {
                int from = (rel + mask + root) % n;
                Object got = receiveOperand("reduce", send, from);
                if (!own) {
                    acc = PrimitiveArrays.copy(send);
                    own = true;
                }
                ArrayOps.combine(op, acc, got);
            }
        }
    }

    /**
     * Recursive doubling: ceil(log2 n) exchanges of the whole array; with n not a power of two, the first
     * {@code 2 * (n - p)} ranks pair up first (p the largest power of two below n) and the even ones get the result
     * from their partner at the end.
     */
    @Override
    public void allreduce(Object send, Object recv, Op op) {
        int n = t.size();
        int me = t.rank();
        if (recv != send) {
            System.arraycopy(send, 0, recv, 0, Array.getLength(send));
        }
        Object acc = recv;
        int p = Integer.highestOneBit(n);
        int rem = n - p;
        int newRank;
        if (me < 2 * rem) {
            if ((me & 1) == 0) {
                t.send(acc, me + 1, TAG_REDUCE);
                newRank = -1;
            } else {
                ArrayOps.combine(op, acc, receiveOperand("allreduce", acc, me - 1));
                newRank = me / 2;
            }
        } else {
            newRank = me - rem;
        }
        if (newRank >= 0) {
            for (int mask = 1; mask < p; mask <<= 1) {
                int newPartner = newRank ^ mask;
                int partner = newPartner < rem ? newPartner * 2 + 1 : newPartner + rem;
                Request<Void> s = t.isend(acc, partner, TAG_REDUCE);
                Object got = receiveOperand("allreduce", acc, partner);
                s.await();
                ArrayOps.combine(op, acc, got);
            }
        }
        if (me < 2 * rem) {
            if ((me & 1) != 0) {
                t.send(acc, me - 1, TAG_REDUCE);
            } else {
                receiveAlike("allreduce", acc, me + 1, TAG_REDUCE);
            }
        }
    }

    /** Recursive doubling (Hillis-Steele) on arrays; see {@link #scan(Object, BinaryOperator, boolean)}. */
    @Override
    public void scan(Object send, Object recv, Op op, boolean exclusive) {
        int n = t.size();
        int me = t.rank();
        String name = exclusive ? "exscan" : "scan";
        Object partial = PrimitiveArrays.copy(send);
        boolean haveResult = !exclusive;
        if (!exclusive && recv != send) {
            System.arraycopy(send, 0, recv, 0, Array.getLength(send));
        }
        for (int mask = 1; mask < n; mask <<= 1) {
            int partner = me ^ mask;
            if (partner >= n) {
                continue;
            }
            Request<Void> s = t.isend(partial, partner, TAG_SCAN);
            Object got = t.receive(partner, TAG_SCAN, null).value();
            s.await();
            checkPeer(name, partial, got, partner);
            if (partner < me) {
                if (haveResult) {
                    ArrayOps.combine(op, recv, got);
                } else {
                    System.arraycopy(got, 0, recv, 0, Array.getLength(got));
                    haveResult = true;
                }
            }
            ArrayOps.combine(op, partial, got);
        }
    }

    /** Reduce of the whole input to rank 0, then scatterv of the blocks. */
    @Override
    public void reduceScatter(Object send, Object recv, int[] counts, Op op) {
        int total = sum(counts);
        Object whole = prefix(send, total);
        Object reduced = t.rank() == 0 ? Array.newInstance(send.getClass().getComponentType(), total) : null;
        reduce(whole, reduced, op, 0);
        scatterv(reduced, t.rank() == 0 ? counts : null, recv, 0);
    }

    /**
     * Binomial-tree gather of blocks: each rank sends its parent the block lengths of its subtree (an {@code int[]})
     * and then their concatenation (one primitive array).
     */
    @Override
    public void gatherv(Object send, Object recv, int[] counts, int root) {
        gatherv("gatherv", send, counts == null ? Array.getLength(send) : counts[t.rank()], recv, counts, root);
    }

    private void gatherv(String name, Object send, int count, Object recv, int[] counts, int root) {
        int n = t.size();
        int me = t.rank();
        int rel = (me - root + n) % n;
        Object data = prefix(send, count);
        int[] lens = {count};
        for (int mask = 1; mask < n; mask <<= 1) {
            if ((rel & mask) != 0) {
                int parent = (rel - mask + root) % n;
                t.send(lens, parent, TAG_GATHER);
                t.send(data, parent, TAG_GATHER);
                return;
            }
            if (rel + mask < n) {
                int from = (rel + mask + root) % n;
                int[] gotLens = (int[]) t.receive(from, TAG_GATHER, null).value();
                Object got = t.receive(from, TAG_GATHER, null).value();
                if (got.getClass() != send.getClass()) {
                    throw new JparException(name + ": rank " + me + " has " + send.getClass().getTypeName()
                            + " but rank " + from + " sent " + got.getClass().getTypeName()
                            + ": give every rank arrays of the same type");
                }
                int[] grownLens = new int[lens.length + gotLens.length];
                System.arraycopy(lens, 0, grownLens, 0, lens.length);
                System.arraycopy(gotLens, 0, grownLens, lens.length, gotLens.length);
                int have = Array.getLength(data);
                int more = Array.getLength(got);
                Object grown = Array.newInstance(send.getClass().getComponentType(), have + more);
                System.arraycopy(data, 0, grown, 0, have);
                System.arraycopy(got, 0, grown, have, more);
                lens = grownLens;
                data = grown;
            }
        }
        int[] displs = displacements(counts);
        int off = 0;
        for (int i = 0; i < n; i++) {
            int r = (i + root) % n;
            if (lens[i] < counts[r]) {
                throw new JparException(name + ": rank " + r + " sent " + lens[i] + " elements but root " + root
                        + "'s counts[" + r + "] is " + counts[r] + ": give every rank's send at least its count");
            }
            System.arraycopy(data, off, recv, displs[r], counts[r]);
            off += lens[i];
        }
    }

    /** Gatherv to rank 0, then a binomial broadcast of the gathered elements. */
    @Override
    public void allgatherv(Object send, Object recv, int[] counts) {
        int total = sum(counts);
        gatherv("allgatherv", send, counts[t.rank()], recv, counts, 0);
        if (Array.getLength(recv) == total) {
            broadcastInto(recv, 0);
        } else {
            Object part = t.rank() == 0 ? prefix(recv, total)
                    : Array.newInstance(recv.getClass().getComponentType(), total);
            broadcastInto(part, 0);
            if (t.rank() != 0) {
                System.arraycopy(part, 0, recv, 0, total);
            }
        }
    }

    /**
     * Binomial-tree scatter of blocks: root sends each child the block lengths of the child's subtree and then their
     * concatenation; each rank keeps its own block and passes the rest on.
     */
    @Override
    public void scatterv(Object send, int[] counts, Object recv, int root) {
        int n = t.size();
        int me = t.rank();
        int rel = (me - root + n) % n;
        int[] lens = null;
        Object data = null;
        int[] offs;
        int mask = 1;
        while (mask < n) {
            if ((rel & mask) != 0) {
                int from = (rel - mask + root) % n;
                lens = (int[]) t.receive(from, TAG_SCATTER, null).value();
                data = t.receive(from, TAG_SCATTER, null).value();
                if (data.getClass() != recv.getClass()) {
                    throw new JparException("scatterv: rank " + me + "'s recv is " + recv.getClass().getTypeName()
                            + " but root " + root + " sends " + data.getClass().getTypeName()
                            + ": give arrays of the same type");
                }
                break;
            }
            mask <<= 1;
        }
        if (lens == null) { // root: lengths in relative order; data stays in place
            lens = new int[n];
            for (int i = 0; i < n; i++) {
                lens[i] = counts[(i + root) % n];
            }
            data = send;
        }
        offs = new int[lens.length + 1];
        if (rel == 0) {
            int[] displs = displacements(counts);
            for (int i = 0; i < n; i++) {
                offs[i] = displs[(i + root) % n];
            }
        } else {
            for (int i = 0; i < lens.length; i++) {
                offs[i + 1] = offs[i] + lens[i];
            }
        }
        mask >>= 1;
        while (mask > 0) {
            if (rel + mask < n) {
                int len = Math.min(mask, lens.length - mask);
                int[] partLens = new int[len];
                System.arraycopy(lens, mask, partLens, 0, len);
                int elems = 0;
                for (int l : partLens) {
                    elems += l;
                }
                Object part = Array.newInstance(data.getClass().getComponentType(), elems);
                int at = 0;
                for (int i = 0; i < len; i++) { // at root the blocks of a subtree may wrap around the end
                    System.arraycopy(data, offs[mask + i], part, at, partLens[i]);
                    at += partLens[i];
                }
                int dest = (rel + mask + root) % n;
                t.send(partLens, dest, TAG_SCATTER);
                t.send(part, dest, TAG_SCATTER);
            }
            mask >>= 1;
        }
        if (lens[0] > Array.getLength(recv)) {
            throw new JparException("scatterv: rank " + me + "'s recv has " + Array.getLength(recv)
                    + " elements but root " + root + "'s counts[" + me + "] is " + lens[0]
                    + ": give a recv of at least its count");
        }
        if (data != recv || offs[0] != 0) {
            System.arraycopy(data, offs[0], recv, 0, lens[0]);
        }
    }

    /** Pairwise exchange of blocks: in step i, block rank + i goes out and block rank - i comes in. */
    @Override
    public void alltoall(Object send, Object recv) {
        int n = t.size();
        int me = t.rank();
        int block = Array.getLength(send) / n;
        Object src = send == recv ? PrimitiveArrays.copy(send) : send;
        System.arraycopy(src, me * block, recv, me * block, block);
        if (n == 1) {
            return;
        }
        Object out = blockScratch(0, send.getClass(), block);
        Object in = blockScratch(1, send.getClass(), block);
        for (int i = 1; i < n; i++) {
            int to = (me + i) % n;
            int from = (me - i + n) % n;
            System.arraycopy(src, to * block, out, 0, block);
            Request<Void> s = t.isend(out, to, TAG_ALLTOALL);
            Object got = receiveInto(in, from, TAG_ALLTOALL);
            if (got != null) {
                throw alltoallMismatch(me, block, send, from, PrimitiveArrays.describe(got));
            }
            s.await(); // out is refilled next round
            System.arraycopy(in, 0, recv, from * block, block);
        }
    }

    /**
     * @return scratch array {@code which} (0 or 1) of class {@code type} and {@code length} elements, kept for the next
     *         collective of this communicator (collectives on one communicator run one at a time) up to 4 MiB
     */
    private Object blockScratch(int which, Class<?> type, int length) {
        Object a = scratch[which];
        if (a != null && a.getClass() == type && Array.getLength(a) == length) {
            return a;
        }
        a = Array.newInstance(type.getComponentType(), length);
        scratch[which] = PrimitiveArrays.bytes(a) <= SCRATCH_RETAIN ? a : null;
        return a;
    }

    // ---------------------------------------------------------------- helpers

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

    /**
     * Fails when another rank's array (or partial result) differs in type or length from this rank's.
     *
     * @param op   the collective's name
     * @param mine this rank's array
     * @param got  what rank {@code from} sent
     */
    protected final void checkPeer(String op, Object mine, Object got, int from) {
        if (got == null || got.getClass() != mine.getClass() || Array.getLength(got) != Array.getLength(mine)) {
            throw mismatch(op, t.rank(), mine, from, got);
        }
    }

    /**
     * Receives a reduction's operand from {@code from} into a scratch array kept for the next call (no new array per
     * step: a 1 MiB allreduce of MPJ Express used to allocate one per step).
     *
     * @return the scratch array, valid until the next call
     * @throws JparException naming both ranks' arrays if the sender's differs from {@code mine} in type or length
     */
    private Object receiveOperand(String op, Object mine, int from) {
        Object got = blockScratch(1, mine.getClass(), Array.getLength(mine));
        Object theirs = receiveInto(got, from, TAG_REDUCE);
        if (theirs != null) {
            throw mismatch(op, t.rank(), mine, from, theirs);
        }
        return got;
    }

    /**
     * Receives from {@code from} straight into {@code mine}, which the sender's array must match in type and length
     * (no new array, no copy).
     *
     * @throws JparException naming both ranks' arrays if they differ
     */
    protected final void receiveAlike(String op, Object mine, int from, int tag) {
        Object theirs = receiveInto(mine, from, tag);
        if (theirs != null) {
            throw mismatch(op, t.rank(), mine, from, theirs);
        }
    }

    /**
     * Receives from {@code from} straight into {@code mine}.
     *
     * @return null if the sender's array matched {@code mine} in type and length; else what it sent (a longer array or
     *         another type), or an array of {@code mine}'s type and the shorter length it sent (to name in an error)
     */
    private Object receiveInto(Object mine, int from, int tag) {
        Envelope<Object> e;
        try {
            e = t.receive(from, tag, mine);
        } catch (PrimitiveArrays.Mismatch m) {
            return m.sent();
        }
        if (e.bytes() == PrimitiveArrays.bytes(mine)) {
            return null;
        }
        return Array.newInstance(mine.getClass().getComponentType(),
                (int) (e.bytes() / PrimitiveArrays.elementBytes(mine.getClass())));
    }

    /**
     * @return the error of an all-to-all whose rank {@code me} has blocks of {@code block} elements of {@code send}'s
     *         type, where rank {@code from} sent {@code sent} (a description, as {@link PrimitiveArrays#describe})
     */
    protected static JparException alltoallMismatch(int me, int block, Object send, int from, String sent) {
        return new JparException("alltoall: rank " + me + " has blocks of " + block + " elements of "
                + send.getClass().getTypeName() + " but rank " + from + " sent " + sent
                + ": give every rank arrays of the same type and length");
    }

    /** @return the error for ranks whose arrays differ in a collective that needs them alike */
    public static JparException mismatch(String op, int rank, Object mine, int other, Object theirs) {
        return new JparException(op + ": rank " + rank + " passed " + PrimitiveArrays.describe(mine) + " but rank "
                + other + " passed " + PrimitiveArrays.describe(theirs)
                + ": every rank must pass arrays of the same type and length");
    }

    /** @return {@code a} itself if it has exactly {@code length} elements, else a copy of its first {@code length} */
    protected static Object prefix(Object a, int length) {
        if (Array.getLength(a) == length) {
            return a;
        }
        Object p = Array.newInstance(a.getClass().getComponentType(), length);
        System.arraycopy(a, 0, p, 0, length);
        return p;
    }

    /** @return the sum of {@code counts} */
    protected static int sum(int[] counts) {
        int s = 0;
        for (int c : counts) {
            s += c;
        }
        return s;
    }

    /** @return the start of each rank's block: prefix sums of {@code counts} */
    protected static int[] displacements(int[] counts) {
        int[] d = new int[counts.length];
        for (int i = 1; i < counts.length; i++) {
            d[i] = d[i - 1] + counts[i - 1];
        }
        return d;
    }
}
