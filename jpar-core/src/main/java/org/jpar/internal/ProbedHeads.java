package org.jpar.internal;

import java.util.ArrayDeque;
import java.util.Iterator;

import org.jpar.Envelope;
import org.jpar.spi.Transport;

/**
 * The heads of user messages a probe took out of MPI, kept until a receive takes them (the engines on an MPI
 * library). A probe receives the head of the message MPI found at once (with its exact source and tag, so MPI's
 * ordering makes it that message): its jpar header gives the size and the type, which MPI's status alone does not.
 * Receives look here first; a kept head is earlier than anything still in MPI from the same source, so the order
 * stays MPI's (MPI 4.1, section 3.5).
 *
 * @param <B> the buffer that holds a head
 */
public final class ProbedHeads<B> {
    /** A kept head: the buffer, where the message came from and its envelope. */
    public record Head<B>(B buffer, int source, int tag, Envelope<Void> envelope) {
        boolean matches(int wantSource, int wantTag) {
            return (wantSource == Transport.ANY_SOURCE || wantSource == source)
                    && (wantTag == Transport.ANY_TAG || wantTag == tag);
        }
    }

    private final ArrayDeque<Head<B>> heads = new ArrayDeque<>();
    /** The number of heads kept: receives look here only when it is not 0. */
    private volatile int count;

    /** @return true when no head is kept (one volatile read: the receive path's check) */
    public boolean isEmpty() {
        return count == 0;
    }

    /** @return the envelope of the earliest kept head matching (left kept), or null */
    public Envelope<Void> find(int source, int tag) {
        synchronized (heads) {
            for (Head<B> h : heads) {
                if (h.matches(source, tag)) {
                    return h.envelope;
                }
            }
        }
        return null;
    }

    /** Keeps a head a probe received, after those kept before it. */
    public void add(Head<B> head) {
        synchronized (heads) {
            heads.addLast(head);
            count = heads.size();
        }
    }

    /** @return the earliest kept head matching, removed; or null (always for internal, negative, tags) */
    public Head<B> take(int source, int tag) {
        if (tag < 0 && tag != Transport.ANY_TAG) {
            return null; // internal tags are never probed
        }
        synchronized (heads) {
            for (Iterator<Head<B>> it = heads.iterator(); it.hasNext(); ) {
                Head<B> h = it.next();
                if (h.matches(source, tag)) {
                    it.remove();
                    count = heads.size();
                    return h;
                }
            }
        }
        return null;
    }
}
