package org.jpar.spi;

import org.jpar.Envelope;
import org.jpar.Request;

/**
 * One rank's endpoint into one group of ranks: the small interface every engine implements (embedded threads,
 * Open MPI, MPJ Express). The public {@link org.jpar.Communicator} checks every argument before it calls in here,
 * so an engine may assume valid ranks and tags.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>A message is any Java object or a primitive array. Primitive arrays must travel without serialization.
 *       The receiver always gets its own copy: the sender may change its object as soon as {@code send} returns
 *       (immutable JDK values such as {@code String} may be shared within one JVM).</li>
 *   <li>Tags {@code >= 0} are the user's. Tags {@code <= INTERNAL_TAG_BASE} are jpar's own (collectives);
 *       a receive with {@link #ANY_TAG} must never match them.</li>
 *   <li>Messages from one sender to one receiver with one tag arrive in the order they were sent.</li>
 *   <li>Blocking calls end with {@link org.jpar.JobAbortedException} when another rank of the job failed.</li>
 * </ul>
 * Public for engine implementations; not part of the user API.
 */
public interface Transport extends AutoCloseable {
    /** Wildcard source for receives. */
    int ANY_SOURCE = -1;
    /** Wildcard tag for receives: matches every user tag (never an internal one). */
    int ANY_TAG = -1;
    /** Internal tags are this value and below. */
    int INTERNAL_TAG_BASE = -100;

    /** @return this rank, 0 to size-1 */
    int rank();

    /** @return the number of ranks in the group */
    int size();

    /** @return the name of the node this rank runs on */
    String processorName();

    /** @return the engine's name, e.g. {@code threads} */
    String engineName();

    /**
     * Sends a message; returns when the caller may reuse {@code message}.
     *
     * @param message any object, {@code null}, or a primitive array
     * @param dest    a valid rank of this group (may be this rank)
     * @param tag     a user tag ({@code >= 0}) or an internal one
     */
    void send(Object message, int dest, int tag);

    /**
     * Receives the first message that matches.
     *
     * @param source a rank or {@link #ANY_SOURCE}
     * @param tag    a tag, {@link #ANY_TAG}, or an internal tag
     * @param buffer null to receive a new object, or a primitive array to receive into; the engine must fail
     *               with a clear message when the message does not fit it
     * @return the message and its envelope; for buffer receives the value is {@code buffer}
     */
    Envelope<Object> receive(int source, int tag, Object buffer);

    /** Nonblocking {@link #send}. */
    Request<Void> isend(Object message, int dest, int tag);

    /** Nonblocking {@link #receive}. */
    Request<Object> ireceive(int source, int tag, Object buffer);

    /**
     * Blocks until every rank of the group has called it. The default is a dissemination barrier over
     * point-to-point messages; engines with a native barrier override it.
     */
    default void barrier() {
        Collectives.barrier(this);
    }

    /**
     * Broadcasts {@code message} from {@code root}; every rank returns the value (root gets its own object).
     * The default is a binomial tree over point-to-point messages.
     */
    default Object broadcast(Object message, int root) {
        return Collectives.broadcast(this, message, root);
    }

    /**
     * Ends this rank's communication. Idempotent. Must not wait for the other ranks (a failing rank may close on its
     * way out): an engine whose finalization waits, such as {@code MPI_Finalize}, defers it to the normal end of the
     * process.
     */
    @Override
    void close();
}
