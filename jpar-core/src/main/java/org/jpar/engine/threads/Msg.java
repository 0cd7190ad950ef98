package org.jpar.engine.threads;

import java.util.concurrent.locks.LockSupport;

import org.jpar.internal.PrimitiveArrays;

/**
 * A message in flight inside one JVM: its envelope and its payload in one of four forms. A {@link #RENDEZVOUS}
 * message carries the sender's own array; the receiver copies it once, straight into its buffer, then releases the
 * sender, which waits until then (MPI's rendezvous protocol for large messages).
 */
final class Msg implements Waiting {
    /** {@code data} is a private copy of a primitive array. */
    static final byte ARRAY = 0;
    /** {@code data} is a {@code byte[]} from the sender's codec, decoded by the receiver. */
    static final byte ENCODED = 1;
    /** {@code data} is an immutable JDK value (String, Integer, ...), shared by reference. */
    static final byte SHARED = 2;
    /** {@code data} is the sender's own (large) array, to be copied by the receiver before the sender goes on. */
    static final byte RENDEZVOUS = 3;
    /** {@code data} is the receiver's own buffer, already filled from a {@link #RENDEZVOUS} message. */
    static final byte RECEIVED = 4;

    final int source;
    final int dest;
    final int tag;
    final byte kind;
    final Object data;
    final long bytes;
    /**
     * Strict mode: the sender waits until a receive matched this message (MPI's synchronous send); set by the sender
     * before it delivers the message.
     */
    boolean sync;
    /** Strict mode: where the sender sent it from ({@code Class.method(File.java:12)}), or null. */
    String site;
    /** Rendezvous only: set by the receiver once it copied {@code data}. */
    volatile boolean taken;
    private volatile Thread sender;

    Msg(int source, int dest, int tag, byte kind, Object data, long bytes) {
        this.source = source;
        this.dest = dest;
        this.tag = tag;
        this.kind = kind;
        this.data = data;
        this.bytes = bytes;
    }

    boolean matches(int wantSource, int wantTag) {
        return (wantSource == ThreadsTransport.ANY_SOURCE || wantSource == source)
                && (wantTag == ThreadsTransport.ANY_TAG ? tag >= 0 : wantTag == tag);
    }

    /**
     * Rendezvous, matched by a posted receive: copies the sender's array at once (into {@code buffer} when it fits,
     * else into a new array) and releases the sender. A posted receive thus lets its matching send complete whatever
     * the receiver does next (MPI's progress rule), not only when it awaits the receive.
     *
     * @return the message as the receive will open it
     */
    Msg copyFor(Object buffer) {
        Msg copied;
        if (buffer != null && PrimitiveArrays.fits(data, buffer)) {
            PrimitiveArrays.copyInto(data, buffer);
            copied = new Msg(source, dest, tag, RECEIVED, buffer, bytes);
        } else {
            copied = new Msg(source, dest, tag, ARRAY, PrimitiveArrays.copy(data), bytes);
        }
        release();
        return copied;
    }

    /** Rendezvous: the receiver has its copy; the sender may go on. */
    void release() {
        taken = true;
        Thread t = sender;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public boolean done() {
        return taken;
    }

    @Override
    public void parking(Thread t) {
        sender = t;
    }

    /** The job rank of {@link #dest}, set by a sender before it waits for this message (for the wait-for graph). */
    volatile int destJobRank = -1;

    @Override
    public int peer() {
        return destJobRank;
    }

    /** Strict mode: a receive matched this message; the sender may go on. */
    void matched() {
        if (sync) {
            release();
        }
    }

    @Override
    public String describe() {
        String what = "send(dest=" + dest + ", tag=" + Waiting.tag(tag) + ")" + (bytes >= 0 ? " of " + bytes + " bytes"
                : "");
        if (sync) {
            return what + (site != null ? " at " + site : "") + ", which waits for a matching receive (strict mode: "
                    + "every send waits for its receive, as MPI_Ssend; on an MPI engine this send may wait the same "
                    + "way: receive first on one side, or use isend)";
        }
        return what + ", which waits for a matching receive (large sends wait for their receiver, as in MPI)";
    }

    /** @return e.g. {@code from rank 0 with tag 5 (a String, sent at Main.main(Main.java:12))} */
    String describeUnreceived() {
        return "from rank " + source + " with tag " + Waiting.tag(tag) + " (" + (bytes >= 0 ? bytes + " bytes" : "a "
                + (data == null ? "null" : data.getClass().getSimpleName())) + (site != null ? ", sent at " + site : "")
                + ")";
    }
}
