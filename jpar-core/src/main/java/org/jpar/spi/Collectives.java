package org.jpar.spi;

import java.util.function.BinaryOperator;

import org.jpar.Op;

/**
 * One rank's collective operations on one transport's group: the second half of an engine, beside
 * {@link Transport}'s point-to-point calls. {@link PointToPointCollectives} implements every method with scalable
 * algorithms over point-to-point messages on internal tags; an engine subclasses it and overrides what its MPI library
 * does natively ({@code MPI_Allreduce}, {@code MPI_Alltoall}, ...).
 *
 * <p>{@link org.jpar.Communicator} validates every argument before it calls in here (roots, array types and lengths,
 * counts, operator/type pairs) and passes {@code send == recv} for MPI's {@code MPI_IN_PLACE}. Every rank of the group
 * calls the same collectives in the same order; one collective at a time per rank.
 *
 * <p>Arrays are primitive arrays; {@code counts} are element counts, one per rank, with blocks laid out in rank order
 * without gaps (displacements are the prefix sums). Object collectives must never hand a caller's own input object
 * to an operator or to another rank: operators get copies (MPI: a send buffer is never modified).
 *
 * Public for engine implementations; not part of the user API.
 */
public interface Collectives {
    /** Internal tags of the point-to-point algorithms, one per kind so that concurrent kinds never match. */
    int TAG_BARRIER = Transport.INTERNAL_TAG_BASE;
    /** Internal tag: broadcast. */
    int TAG_BROADCAST = Transport.INTERNAL_TAG_BASE - 1;
    /** Internal tag: gather and allgather. */
    int TAG_GATHER = Transport.INTERNAL_TAG_BASE - 2;
    /** Internal tag: scatter. */
    int TAG_SCATTER = Transport.INTERNAL_TAG_BASE - 3;
    /** Internal tag: reductions. */
    int TAG_REDUCE = Transport.INTERNAL_TAG_BASE - 4;
    /** Internal tag: all-to-all. */
    int TAG_ALLTOALL = Transport.INTERNAL_TAG_BASE - 5;
    /** Internal tag: scans. */
    int TAG_SCAN = Transport.INTERNAL_TAG_BASE - 6;
    /** Internal tag: communicator construction (split, dup). */
    int TAG_SPLIT = Transport.INTERNAL_TAG_BASE - 7;

    /** Blocks until every rank has entered ({@code MPI_Barrier}). */
    void barrier();

    /** @return at root {@code value} itself, elsewhere a copy of root's {@code value} ({@code MPI_Bcast} of an object) */
    Object broadcast(Object value, int root);

    /** Fills every rank's {@code array} with root's ({@code MPI_Bcast}); same type and length on every rank. */
    void broadcastInto(Object array, int root);

    /** @return at root the values in rank order (root's own object at its index), elsewhere null */
    Object[] gather(Object value, int root);

    /** @return the values of every rank in rank order, at every rank (this rank's own object at its index) */
    Object[] allgather(Object value);

    /** @return element {@code rank} of root's {@code values} (length size; ignored elsewhere) */
    Object scatter(Object[] values, int root);

    /** @return element {@code i} is what rank {@code i} had at this rank's index ({@code MPI_Alltoall} of objects) */
    Object[] alltoall(Object[] values);

    /** @return at root {@code op} over every rank's value in rank order, elsewhere null */
    Object reduce(Object value, BinaryOperator<Object> op, int root);

    /** @return {@code op} over every rank's value in rank order, at every rank */
    Object allreduce(Object value, BinaryOperator<Object> op);

    /**
     * @param exclusive false for {@code MPI_Scan} (ranks 0..rank), true for {@code MPI_Exscan} (ranks 0..rank-1;
     *                  null at rank 0)
     * @return {@code op} over the values of the ranks up to this one, in rank order
     */
    Object scan(Object value, BinaryOperator<Object> op, boolean exclusive);

    /** Element-wise {@code MPI_Reduce} of arrays into root's {@code recv} (null elsewhere). */
    void reduce(Object send, Object recv, Op op, int root);

    /** Element-wise {@code MPI_Allreduce} of arrays into every rank's {@code recv}. */
    void allreduce(Object send, Object recv, Op op);

    /** Element-wise {@code MPI_Scan} / {@code MPI_Exscan}; for exscan, rank 0's {@code recv} is left unchanged. */
    void scan(Object send, Object recv, Op op, boolean exclusive);

    /** {@code MPI_Reduce_scatter}: the element-wise reduction of {@code send}, block {@code rank} into {@code recv}. */
    void reduceScatter(Object send, Object recv, int[] counts, Op op);

    /** {@code MPI_Gatherv}: every rank's {@code send} (counts[rank] elements) into root's {@code recv}. */
    void gatherv(Object send, Object recv, int[] counts, int root);

    /** {@code MPI_Allgatherv}: every rank's {@code send} into every rank's {@code recv}. */
    void allgatherv(Object send, Object recv, int[] counts);

    /** {@code MPI_Scatterv}: block {@code rank} of root's {@code send} into {@code recv}. */
    void scatterv(Object send, int[] counts, Object recv, int root);

    /** {@code MPI_Alltoall} of arrays: block {@code i} of {@code send} to rank {@code i}, into block {@code j} from rank j. */
    void alltoall(Object send, Object recv);
}
