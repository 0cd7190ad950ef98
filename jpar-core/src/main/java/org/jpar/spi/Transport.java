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
     * Looks for a matching message without receiving it ({@code MPI_Probe} / {@code MPI_Iprobe}). A later receive with
     * the envelope's source and tag gets that message (messages from one sender with one tag keep their order).
     *
     * @param source a rank or {@link #ANY_SOURCE}
     * @param tag    a user tag or {@link #ANY_TAG}
     * @param block  true to wait until a message matches
     * @return the envelope (value null; source, tag, bytes, type), or null when {@code block} is false and no message
     *         matches now
     */
    Envelope<Void> probe(int source, int tag, boolean block);

    /**
     * Ends every rank of the job with exit status {@code code} ({@code MPI_Abort}), after one line on standard error
     * naming this rank and the code. Does not return.
     *
     * @param code the code the program gave; the job's exit status is {@link #exitStatus(int) exitStatus(code)}
     */
    void abort(int code);

    /**
     * The exit status of a job aborted with {@code code}: {@code code} modulo 256 (what a process exit status keeps),
     * and 1 where that is 0, since an aborted job must not look successful.
     *
     * @param code the code given to {@link #abort}
     * @return 1 to 255
     */
    static int exitStatus(int code) {
        int status = code & 0xFF;
        return status == 0 ? 1 : status;
    }

    /**
     * Makes a new group from this one ({@code MPI_Comm_split}): a collective over this group. Ranks that give the same
     * {@code color} form one new group, ordered by {@code key} and then by their rank here.
     *
     * @param color a colour {@code >= 0}, or {@link org.jpar.Par#UNDEFINED} for no new group
     * @param key   the ordering key
     * @return this rank's endpoint into its new group, or null for {@code UNDEFINED}
     */
    Transport split(int color, int key);

    /** @return an endpoint into a new group of the same ranks whose messages never mix with this one's ({@code MPI_Comm_dup}) */
    default Transport dup() {
        return split(0, rank());
    }

    /** @return this rank's collective operations on this group (the same object every call) */
    Collectives collectives();

    /**
     * Ends this rank's communication (for a group made by {@link #split} or {@link #dup}: frees it, as
     * {@code MPI_Comm_free}). Idempotent. Must not wait for the other ranks (a failing rank may close on its
     * way out): an engine whose finalization waits, such as {@code MPI_Finalize}, defers it to the normal end of the
     * process.
     */
    @Override
    void close();
}
