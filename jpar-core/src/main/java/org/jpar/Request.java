package org.jpar;

/**
 * A nonblocking operation in progress ({@code MPI_Request}). {@link #await()} blocks until it is complete;
 * {@link #isDone()} tests without blocking. A request is used by one thread at a time.
 *
 * <p>As in MPI: the operation progresses without the request being tested (a posted receive lets its matching send
 * complete while this rank does anything else), and dropping a request neither cancels its operation nor frees what it
 * uses (an {@code isend} still delivers its data, an {@code ireceive} still takes its message).
 *
 * @param <T> what the operation yields: the received value for receives, {@code null} for sends
 */
public interface Request<T> {
    /**
     * Waits until the operation is complete.
     *
     * @return the received value for a receive, {@code null} for a send
     * @throws JparException if the operation failed or the job was aborted
     */
    T await();

    /**
     * Waits until the operation is complete.
     *
     * @return the value with its envelope (source, tag, size); for a send, an envelope with a null value
     */
    Envelope<T> awaitEnvelope();

    /** @return true once the operation is complete; never blocks */
    boolean isDone();
}
