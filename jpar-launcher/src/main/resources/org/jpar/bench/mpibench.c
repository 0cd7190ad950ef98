/*
 * jpar bench's C baseline: the same measurements as jpar's PingPong and AllreduceBench, in C against the MPI the
 * native engine binds. Built by `jpar bench` with that MPI's mpicc and run with its launcher on 2 ranks.
 *
 *   mpibench NAME pingpong BATCHES WARMUP (PAYLOAD BYTES ITERATIONS)...
 *   mpibench NAME allreduce BATCHES WARMUP (PAYLOAD DOUBLES ITERATIONS)...
 *
 * Rank 0 prints, per payload: NAME payload=P bytes=B latency_us=MEDIAN best_us=BEST bandwidth_MBps=X
 * (one-way time for pingpong: a round trip / 2; time per call for allreduce).
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const char *name = argv[1];
    int allreduce = strcmp(argv[2], "allreduce") == 0;
    int batches = atoi(argv[3]);
    int warmup = atoi(argv[4]);
    double *t = malloc(sizeof(double) * batches);
    for (int a = 5; a + 2 < argc; a += 3) {
        const char *payload = argv[a];
        long n = atol(argv[a + 1]);
        long iterations = atol(argv[a + 2]);
        long bytes = allreduce ? n * (long) sizeof(double) : n;
        char *msg = calloc(bytes > 0 ? bytes : 1, 1);
        char *buf = calloc(bytes > 0 ? bytes : 1, 1);
        for (int b = -warmup; b < batches; b++) {
            MPI_Barrier(MPI_COMM_WORLD);
            double start = MPI_Wtime();
            if (allreduce) {
                for (long i = 0; i < iterations; i++) {
                    MPI_Allreduce(msg, buf, (int) n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
                }
            } else if (rank == 0) {
                for (long i = 0; i < iterations; i++) {
                    MPI_Send(msg, (int) n, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
                    MPI_Recv(buf, (int) n, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                }
            } else if (rank == 1) {
                for (long i = 0; i < iterations; i++) {
                    MPI_Recv(buf, (int) n, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                    MPI_Send(buf, (int) n, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
                }
            }
            double ns = (MPI_Wtime() - start) * 1e9;
            if (b >= 0) {
                t[b] = allreduce ? ns / iterations : ns / (2.0 * iterations);
            }
        }
        /* rank 0's own times, as jpar's benchmarks report rank 0's */
        qsort(t, batches, sizeof(double), cmp);
        if (rank == 0) {
            double median = t[batches / 2], best = t[0];
            printf("%s payload=%s bytes=%ld latency_us=%.3f best_us=%.3f bandwidth_MBps=%.1f\n", name, payload, bytes,
                   median / 1000.0, best / 1000.0, bytes > 0 ? bytes / (median / 1e9) / 1e6 : 0.0);
            fflush(stdout);
        }
        free(msg);
        free(buf);
    }
    free(t);
    MPI_Finalize();
    return 0;
}
