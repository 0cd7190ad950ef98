package org.jpar.engine.nativempi.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jpar.engine.nativempi.RawFfm;

/** {@link RawFfm}: the ping-pong loop as a user would write it with FFM alone, through {@link Mpi}'s handles. */
public final class RawFfmLoop implements RawFfm {
    private final long comm;
    private final long byteType;
    private final long doubleType;
    private final long sum;
    private final MemorySegment status;
    /** This rank in the duplicate, and its ranks. */
    private final int rank;
    private final int ranks;
    private MemorySegment out = MemorySegment.NULL;
    private MemorySegment in = MemorySegment.NULL;
    private int size = -1;

    private RawFfmLoop() {
        comm = Mpi.dup(Mpi.ABI.handle("COMM_WORLD"));
        byteType = Mpi.ABI.handle("BYTE");
        doubleType = Mpi.ABI.handle("DOUBLE");
        sum = Mpi.ABI.handle("OP_SUM");
        status = Arena.global().allocate(64, 8);
        rank = Mpi.rank(comm);
        ranks = Mpi.size(comm);
    }

    /** @see RawFfm#load */
    public static RawFfm create() {
        return new RawFfmLoop();
    }

    @Override
    public void pingpong(int rank, int bytes, int iterations) {
        if (rank > 1) {
            return;
        }
        if (size != bytes) { // one pair of buffers per size, kept: allocation is not in the loop
            out = Arena.ofAuto().allocate(Math.max(bytes, 1), 64);
            in = Arena.ofAuto().allocate(Math.max(bytes, 1), 64);
            size = bytes;
        }
        MemorySegment o = out;
        MemorySegment i = in;
        long c = comm;
        long t = byteType;
        MemorySegment s = status;
        if (rank == 0) {
            for (int k = 0; k < iterations; k++) {
                Mpi.send(o, bytes, t, 1, 0, c);
                Mpi.recv(i, bytes, t, 1, 0, c, s);
            }
        } else {
            for (int k = 0; k < iterations; k++) {
                Mpi.recv(i, bytes, t, 0, 0, c, s);
                Mpi.send(i, bytes, t, 0, 0, c);
            }
        }
    }

    @Override
    public void allreduce(int doubles, int iterations) {
        buffers(doubles);
        MemorySegment o = out;
        MemorySegment i = in;
        long c = comm;
        long t = doubleType;
        long op = sum;
        for (int k = 0; k < iterations; k++) {
            Mpi.allreduce(o, i, doubles, t, op, c);
        }
    }

    @Override
    public void allreduce(double[] send, double[] recv, int iterations) {
        int doubles = send.length;
        buffers(doubles);
        MemorySegment i = in;
        long c = comm;
        long t = doubleType;
        long op = sum;
        MemorySegment inPlace = Mpi.ABI.inPlace;
        for (int k = 0; k < iterations; k++) { // in place: half the off-heap memory of two buffers, as jpar does
            MemorySegment.copy(send, 0, i, ValueLayout.JAVA_DOUBLE, 0, doubles);
            Mpi.allreduce(inPlace, i, doubles, t, op, c);
            MemorySegment.copy(i, ValueLayout.JAVA_DOUBLE, 0, recv, 0, doubles);
        }
    }

    /** One pair of off-heap buffers of {@code doubles} doubles per size, kept; the first holds 1.0s as jpar's send. */
    private void buffers(int doubles) {
        int bytes = doubles * Double.BYTES;
        if (size != bytes) {
            out = Arena.ofAuto().allocate(Math.max(bytes, 1), 64);
            in = Arena.ofAuto().allocate(Math.max(bytes, 1), 64);
            size = bytes;
            for (int k = 0; k < doubles; k++) {
                out.setAtIndex(ValueLayout.JAVA_DOUBLE, k, 1.0);
            }
        }
    }

    @Override
    public void bcast(int doubles, int iterations) {
        buffers(doubles);
        MemorySegment o = out;
        long c = comm;
        long t = doubleType;
        for (int k = 0; k < iterations; k++) {
            Mpi.bcast(o, doubles, t, 0, c);
        }
    }

    @Override
    public void bcast(double[] buf, int iterations) {
        int doubles = buf.length;
        buffers(doubles);
        MemorySegment o = out;
        long c = comm;
        long t = doubleType;
        boolean root = rank == 0;
        for (int k = 0; k < iterations; k++) {
            if (root) {
                MemorySegment.copy(buf, 0, o, ValueLayout.JAVA_DOUBLE, 0, doubles);
            }
            Mpi.bcast(o, doubles, t, 0, c);
            if (!root) {
                MemorySegment.copy(o, ValueLayout.JAVA_DOUBLE, 0, buf, 0, doubles);
            }
        }
    }

    @Override
    public void alltoall(int block, int iterations) {
        buffers(block * ranks);
        MemorySegment o = out;
        MemorySegment i = in;
        long c = comm;
        long t = doubleType;
        for (int k = 0; k < iterations; k++) {
            Mpi.alltoall(o, i, block, t, c, null);
        }
    }

    @Override
    public void alltoall(double[] send, double[] recv, int iterations) {
        int doubles = send.length;
        int block = doubles / ranks;
        buffers(doubles);
        MemorySegment o = out;
        MemorySegment i = in;
        long c = comm;
        long t = doubleType;
        for (int k = 0; k < iterations; k++) {
            MemorySegment.copy(send, 0, o, ValueLayout.JAVA_DOUBLE, 0, doubles);
            Mpi.alltoall(o, i, block, t, c, null);
            MemorySegment.copy(i, ValueLayout.JAVA_DOUBLE, 0, recv, 0, doubles);
        }
    }
}
