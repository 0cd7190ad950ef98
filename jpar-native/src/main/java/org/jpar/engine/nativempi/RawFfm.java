package org.jpar.engine.nativempi;

import java.lang.reflect.InvocationTargetException;

import org.jpar.JparException;

/**
 * {@code jpar bench}'s raw FFM baseline inside a rank of the native engine: {@code MPI_Send} and {@code MPI_Recv} (and
 * {@code MPI_Allreduce}) called from Java through the same FFM downcall handles the engine uses, on off-heap memory
 * allocated once, on its own duplicate of {@code MPI_COMM_WORLD}, with no header, no copy from or to a Java array
 * (but in the calls that take Java arrays, whose data is there as jpar's is) and no matching
 * logic. So jpar's time over it is what jpar itself adds, and its time over C's loop is what the FFM
 * downcalls add. Public for the bench; not user API.
 */
public interface RawFfm {
    /** One batch of {@code iterations} round trips of {@code bytes} bytes between ranks 0 and 1 (others: nothing). */
    void pingpong(int rank, int bytes, int iterations);

    /**
     * One batch of {@code iterations} calls of {@code MPI_Allreduce} (SUM) of {@code doubles} doubles, from one
     * off-heap buffer into another, as C's baseline does (every rank calls it).
     */
    void allreduce(int doubles, int iterations);

    /**
     * One batch of {@code iterations} calls of {@code MPI_Allreduce} (SUM) of {@code send} into {@code recv} (the same
     * length), Java arrays, as a program using FFM alone must call it with its data in Java arrays: each call copies
     * {@code send} into off-heap memory, calls {@code MPI_Allreduce} there with {@code MPI_IN_PLACE} (as jpar does:
     * one buffer instead of two), and copies the result into {@code recv} (FFM
     * gives no safe way to hand a heap array to a call that blocks; see the README's native engine figures).
     */
    void allreduce(double[] send, double[] recv, int iterations);

    /** One batch of {@code iterations} calls of {@code MPI_Bcast} of {@code doubles} doubles from rank 0, off-heap. */
    void bcast(int doubles, int iterations);

    /**
     * One batch of {@code iterations} calls of {@code MPI_Bcast} of the Java array {@code buf} from rank 0, as FFM
     * alone must: the root copies it into off-heap memory, the others copy the result out (as jpar does).
     */
    void bcast(double[] buf, int iterations);

    /** One batch of {@code iterations} calls of {@code MPI_Alltoall} of {@code block} doubles per rank, off-heap. */
    void alltoall(int block, int iterations);

    /**
     * One batch of {@code iterations} calls of {@code MPI_Alltoall} from the Java array {@code send} into {@code recv}
     * (the same length, a multiple of the ranks), as FFM alone must: copied into off-heap memory, the call from one
     * buffer into another, copied out (as jpar does).
     */
    void alltoall(double[] send, double[] recv, int iterations);

    /**
     * Duplicates {@code MPI_COMM_WORLD} for the baseline: a collective, every rank of the native engine's job calls it
     * at the same point, after {@code Par.world()}.
     */
    static RawFfm load() {
        try {
            return (RawFfm) Class.forName("org.jpar.engine.nativempi.ffm.RawFfmLoop", true,
                    RawFfm.class.getClassLoader()).getMethod("create").invoke(null);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new JparException("cannot start the raw FFM baseline: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new JparException("cannot start the raw FFM baseline (the native engine's FFM classes need JDK "
                    + NativeEngine.JAVA + "+): " + e, e);
        }
    }
}
