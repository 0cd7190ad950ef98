package org.jpar;

/**
 * The built-in reduction operators of MPI (MPI-4.1 section 6.9.2; mpi4py's {@code MPI.SUM}, {@code MPI.MAX}, ...),
 * applied element by element to primitive arrays by {@link Communicator#allreduce(Object, Op)} and its kin. On MPI
 * engines they map to the library's own operators and collectives.
 *
 * <table>
 *   <caption>Which operator takes which array type</caption>
 *   <tr><th>operators</th><th>array types</th><th>result</th></tr>
 *   <tr><td>{@link #SUM} {@link #PROD} {@link #MIN} {@link #MAX}</td>
 *       <td>{@code byte[] short[] char[] int[] long[] float[] double[]}</td>
 *       <td>Java arithmetic of the element type (integers wrap, as in C)</td></tr>
 *   <tr><td>{@link #LAND} {@link #LOR} {@link #LXOR}</td>
 *       <td>{@code boolean[]}, and the integer types (non-zero is true; the result is 0 or 1, as in C MPI)</td>
 *       <td></td></tr>
 *   <tr><td>{@link #BAND} {@link #BOR} {@link #BXOR}</td>
 *       <td>{@code boolean[] byte[] short[] char[] int[] long[]}</td><td>bit by bit</td></tr>
 *   <tr><td>{@link #MINLOC} {@link #MAXLOC}</td>
 *       <td>{@code int[] long[] float[] double[]} of even length, read as (value, index) pairs, as MPI's
 *       {@code MPI_2INT} and {@code MPI_2DOUBLE_PRECISION}</td>
 *       <td>per pair: the smallest (largest) value and, among equal values, the smallest index (MPI-4.1 6.9.4)</td></tr>
 * </table>
 * Any other combination is refused with a {@link JparException} naming the operator and the type.
 */
public enum Op {
    /** Sum ({@code MPI_SUM}). */
    SUM,
    /** Product ({@code MPI_PROD}). */
    PROD,
    /** Minimum ({@code MPI_MIN}). */
    MIN,
    /** Maximum ({@code MPI_MAX}). */
    MAX,
    /** Logical and ({@code MPI_LAND}). */
    LAND,
    /** Logical or ({@code MPI_LOR}). */
    LOR,
    /** Logical exclusive or ({@code MPI_LXOR}). */
    LXOR,
    /** Bitwise and ({@code MPI_BAND}). */
    BAND,
    /** Bitwise or ({@code MPI_BOR}). */
    BOR,
    /** Bitwise exclusive or ({@code MPI_BXOR}). */
    BXOR,
    /** Minimum value and its location, on (value, index) pairs ({@code MPI_MINLOC}). */
    MINLOC,
    /** Maximum value and its location, on (value, index) pairs ({@code MPI_MAXLOC}). */
    MAXLOC
}
