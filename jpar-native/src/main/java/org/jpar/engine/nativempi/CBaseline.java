package org.jpar.engine.nativempi;

import java.lang.reflect.InvocationTargetException;

import org.jpar.JparException;

/**
 * {@code jpar bench}'s C baseline inside a rank of the native engine: a shared library built from the bench's
 * {@code mpibench.c} with the MPI's own {@code mpicc}, whose functions run one batch of C's ping-pong or
 * {@code MPI_Allreduce}, {@code MPI_Bcast} or {@code MPI_Alltoall} loop on their own duplicate of
 * {@code MPI_COMM_WORLD}, so that C's batches alternate with jpar's in the same processes. Public for the bench; not user API.
 */
public interface CBaseline {
    /** One batch of {@code iterations} round trips of {@code bytes} bytes between ranks 0 and 1 (others: nothing). */
    void pingpong(int rank, long bytes, int iterations);

    /** One batch of {@code iterations} calls of {@code MPI_Allreduce} (SUM) of {@code doubles} doubles. */
    void allreduce(int doubles, int iterations);

    /** One batch of {@code iterations} calls of {@code MPI_Bcast} of {@code doubles} doubles from rank 0. */
    void bcast(int doubles, int iterations);

    /** One batch of {@code iterations} calls of {@code MPI_Alltoall} of {@code block} doubles per rank. */
    void alltoall(int block, int iterations);

    /**
     * Loads the library and duplicates {@code MPI_COMM_WORLD} for it: a collective, every rank of the native engine's
     * job calls it at the same point, after {@code Par.world()}.
     *
     * @param path the library built from {@code mpibench.c}
     * @throws JparException if it cannot be loaded (the message says why)
     */
    static CBaseline load(String path) {
        try {
            return (CBaseline) Class.forName("org.jpar.engine.nativempi.ffm.CBaselineLibrary", true,
                    CBaseline.class.getClassLoader()).getMethod("load", String.class).invoke(null, path);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new JparException("cannot load the C baseline " + path + ": " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new JparException("cannot load the C baseline " + path + " (the native engine's FFM classes need "
                    + "JDK " + NativeEngine.JAVA + "+): " + e, e);
        }
    }
}
