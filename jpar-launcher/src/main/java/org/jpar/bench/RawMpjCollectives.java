package org.jpar.bench;

import static java.lang.invoke.MethodType.methodType;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;

import org.jpar.JparException;
import org.jpar.engine.mpj.RawMpj;

/**
 * {@link CollectiveBench}'s raw baseline on the MPJ Express engine: the collective as an MPJ user writes it, MPJ's own
 * {@code Allreduce}/{@code Bcast}/{@code Alltoall} (mpiJava 1.2) on {@code double[]} with {@code MPI.DOUBLE} and
 * {@code MPI.SUM}, on the rank's duplicate of {@code MPI.COMM_WORLD} ({@link RawMpj}), bound through method handles.
 */
final class RawMpjCollectives {
    private RawMpjCollectives() {
    }

    /** @return one batch of MPJ's own collective: {@code n} doubles per rank (alltoall: per destination block) */
    static Runnable batch(RawMpj raw, String kind, int n, int size, int iterations) {
        Object comm = raw.world();
        Object type = raw.mpj().constant("DOUBLE");
        Object sum = raw.mpj().constant("SUM");
        int block = Math.max(1, n / size);
        int length = kind.equals("alltoall") ? block * size : n;
        double[] send = CollectiveBench.values(length);
        double[] recv = new double[length];
        MethodHandle h = bind(comm, type, sum, kind);
        return () -> {
            try {
                for (int i = 0; i < iterations; i++) {
                    switch (kind) {
                        case "allreduce" -> h.invokeExact(comm, (Object) send, 0, (Object) recv, 0, length, type, sum);
                        case "bcast" -> h.invokeExact(comm, (Object) send, 0, length, type, 0);
                        default -> h.invokeExact(comm, (Object) send, 0, block, type, (Object) recv, 0, block, type);
                    }
                }
            } catch (Throwable t) {
                throw new JparException("MPJ Express's " + kind + " failed: " + t, t);
            }
        };
    }

    private static MethodHandle bind(Object comm, Object type, Object sum, String kind) {
        Class<?> c = comm.getClass();
        Class<?> t = type.getClass();
        Class<?> o = sum.getClass();
        try {
            ClassLoader loader = c.getClassLoader();
            Class<?> intracomm = Class.forName("mpi.Intracomm", false, loader);
            Class<?> datatype = Class.forName("mpi.Datatype", false, loader);
            Class<?> op = Class.forName("mpi.Op", false, loader);
            MethodHandles.Lookup l = MethodHandles.publicLookup();
            MethodHandle h = switch (kind) {
                case "allreduce" -> l.findVirtual(intracomm, "Allreduce", methodType(void.class, Object.class,
                        int.class, Object.class, int.class, int.class, datatype, op));
                case "bcast" -> l.findVirtual(intracomm, "Bcast", methodType(void.class, Object.class, int.class,
                        int.class, datatype, int.class));
                default -> l.findVirtual(intracomm, "Alltoall", methodType(void.class, Object.class, int.class,
                        int.class, datatype, Object.class, int.class, int.class, datatype));
            };
            return h.asType(h.type().erase());
        } catch (ReflectiveOperationException e) {
            throw new JparException("MPJ Express has no " + kind + " of the mpiJava 1.2 API (" + c.getName() + ", "
                    + t.getName() + ", " + o.getName() + "): " + e, e);
        }
    }
}
