/*
 * jpar bench's C baseline for the native engine: the same operations as jpar's PingPong, AllreduceBench and
 * CollectiveBench (bcast, alltoall), in C
 * against the MPI the native engine binds. `jpar bench` builds it with that MPI's mpicc into a shared library
 *
 *   mpicc -O2 -shared -fPIC -o libmpibench.so mpibench.c
 *
 * which the ranks of the jpar run load (the native engine's CBaseline), so that C's batches alternate with jpar's in
 * the same processes and the noise of a shared machine falls on both alike. Each function runs one batch.
 */
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

/* A duplicate of MPI_COMM_WORLD: C's messages never mix with jpar's. */
static MPI_Comm comm = MPI_COMM_NULL;
static char *msg;
static char *buf;
static long capacity;

/* Collective over MPI_COMM_WORLD: call once on every rank before any batch. Returns MPI's error code. */
int jpar_bench_init(void) {
    return MPI_Comm_dup(MPI_COMM_WORLD, &comm);
}

/*
 * Two buffers of at least `bytes` each, on 64-byte boundaries and written once, so that their pages exist (calloc's
 * fresh pages all map the one zero page until written: a 1 MiB MPI_Allreduce from such a buffer measured 3x slower
 * than from a written one). Returns 0, or -1 when out of memory.
 */
static int room(long bytes) {
    if (bytes <= capacity) {
        return 0;
    }
    free(msg);
    free(buf);
    msg = NULL;
    buf = NULL;
    capacity = 0;
    long rounded = (bytes + 63) / 64 * 64;
    if (posix_memalign((void **) &msg, 64, rounded) != 0 || posix_memalign((void **) &buf, 64, rounded) != 0) {
        return -1;
    }
    memset(msg, 0, rounded);
    memset(buf, 0, rounded);
    capacity = rounded;
    return 0;
}

/* One batch of `iterations` round trips of `bytes` bytes between ranks 0 and 1 (others return at once). */
int jpar_bench_pingpong(int rank, long bytes, long iterations) {
    if (room(bytes > 0 ? bytes : 1) != 0) {
        return -1;
    }
    int n = (int) bytes;
    if (rank == 0) {
        for (long i = 0; i < iterations; i++) {
            MPI_Send(msg, n, MPI_BYTE, 1, 0, comm);
            MPI_Recv(buf, n, MPI_BYTE, 1, 0, comm, MPI_STATUS_IGNORE);
        }
    } else if (rank == 1) {
        for (long i = 0; i < iterations; i++) {
            MPI_Recv(buf, n, MPI_BYTE, 0, 0, comm, MPI_STATUS_IGNORE);
            MPI_Send(buf, n, MPI_BYTE, 0, 0, comm);
        }
    }
    return 0;
}

/* One batch of `iterations` MPI_Allreduce(SUM) of `doubles` doubles, from one buffer into another. */
int jpar_bench_allreduce(long doubles, long iterations) {
    if (room(doubles * (long) sizeof(double) + 1) != 0) {
        return -1;
    }
    double *in = (double *) msg;
    for (long i = 0; i < doubles; i++) {
        in[i] = 1.0; /* as jpar's send array */
    }
    for (long i = 0; i < iterations; i++) {
        MPI_Allreduce(msg, buf, (int) doubles, MPI_DOUBLE, MPI_SUM, comm);
    }
    return 0;
}

/* One batch of `iterations` MPI_Bcast of `doubles` doubles from rank 0. */
int jpar_bench_bcast(long doubles, long iterations) {
    if (room(doubles * (long) sizeof(double) + 1) != 0) {
        return -1;
    }
    for (long i = 0; i < iterations; i++) {
        MPI_Bcast(msg, (int) doubles, MPI_DOUBLE, 0, comm);
    }
    return 0;
}

/* One batch of `iterations` MPI_Alltoall of `block` doubles per rank, from one buffer into another. */
int jpar_bench_alltoall(long block, long iterations) {
    int size;
    MPI_Comm_size(comm, &size);
    if (room(block * size * (long) sizeof(double) + 1) != 0) {
        return -1;
    }
    for (long i = 0; i < iterations; i++) {
        MPI_Alltoall(msg, (int) block, MPI_DOUBLE, buf, (int) block, MPI_DOUBLE, comm);
    }
    return 0;
}
