package org.jpar.internal.diag;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What one thread is blocked in inside jpar, for the hang watch: written by the thread itself with plain stores and
 * two release stores per operation (no fence, no clock read, no allocation), read racily by the watch once per period.
 */
final class Activity {
    private static final VarHandle SEQ;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            SEQ = l.findVarHandle(Activity.class, "seq", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Every thread's activity (threads that ended are dropped by the watch). */
    static final CopyOnWriteArrayList<Activity> ALL = new CopyOnWriteArrayList<>();
    private static final ThreadLocal<Activity> CURRENT = ThreadLocal.withInitial(() -> {
        Activity a = new Activity(Thread.currentThread());
        ALL.add(a);
        return a;
    });

    final Thread thread;
    /** Odd while the thread is in an operation; every begin and end adds one. Written only by the thread. */
    @SuppressWarnings("unused") // through SEQ
    private long seq;
    // what it is in: plain fields, published by the release store of seq
    String op;
    int peer;
    int tag;
    /** The message of a send (kept until the next operation: its size is read only for a report), or null. */
    Object message;
    /** The communicator's number (as the trace numbers them: 0 is the world). */
    int comm;
    /** Work phases ({@link Working}) begun and ended: odd while in one. Written only by the thread. */
    private volatile long work;
    // the watch's own
    long seenSeq = -1;
    long seenAtNanos;
    long seenWork;

    private Activity(Thread thread) {
        this.thread = thread;
    }

    /** @return the calling thread's activity */
    static Activity current() {
        return CURRENT.get();
    }

    /** The calling thread (this activity's) starts a blocking operation. */
    void begin(String op, int peer, int tag, Object message) {
        begin(op, peer, tag, message, 0);
    }

    /** The calling thread (this activity's) starts a blocking operation on communicator {@code comm}. */
    void begin(String op, int peer, int tag, Object message, int comm) {
        this.op = op;
        this.peer = peer;
        this.tag = tag;
        this.message = message;
        this.comm = comm;
        SEQ.setRelease(this, (long) SEQ.getOpaque(this) + 1);
    }

    /** The calling thread's operation ended. */
    void end() {
        SEQ.setRelease(this, (long) SEQ.getOpaque(this) + 1);
    }

    /** Nested work phases count once: only the outermost is marked. */
    private int workDepth;

    void beginWork() {
        if (workDepth++ == 0) {
            work = work + 1;
        }
    }

    void endWork() {
        if (--workDepth == 0) {
            work = work + 1;
        }
    }

    /** @return the work phases' count, odd while the thread is in one */
    long work() {
        return work;
    }

    long seq() {
        return (long) SEQ.getAcquire(this);
    }

    /** @return true if {@code seq} (from {@link #seq()}) says the thread is in an operation */
    static boolean in(long seq) {
        return (seq & 1) != 0;
    }

    /** @return e.g. {@code receive(source=1, tag=0)}, read racily */
    String describe() {
        String o = op;
        StringBuilder sb = new StringBuilder(o == null ? "?" : o).append('(');
        int p = peer;
        if (o != null && (o.startsWith("send") || o.startsWith("isend") || o.contains("wait for isend"))) {
            sb.append("dest=").append(p);
        } else if (p == -1 && o != null && (o.contains("receive") || o.contains("probe"))) {
            sb.append("source=ANY_SOURCE");
        } else if (p >= 0) {
            sb.append(o != null && (o.contains("receive") || o.contains("probe")) ? "source=" : "root=").append(p);
        }
        int t = tag;
        if (o != null && !isCollective(o)) {
            sb.append(", tag=").append(t == -1 ? "ANY_TAG" : t < 0 ? "internal " + t : Integer.toString(t));
        }
        sb.append(')');
        Object m = message;
        if (m != null && org.jpar.internal.PrimitiveArrays.isPrimitiveArray(m)) {
            sb.append(" of ").append(org.jpar.internal.PrimitiveArrays.bytes(m)).append(" bytes");
        }
        return sb.toString();
    }

    static boolean isCollective(String op) {
        return !(op.contains("send") || op.contains("receive") || op.contains("probe"));
    }
}
