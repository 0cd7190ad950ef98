package org.jpar.programs;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;

import org.jpar.Par;

/** Asks Par for the rank from a common-pool thread, which serves every rank: must fail clearly, not guess. */
public final class PoolThreadUsesPar {
    private PoolThreadUsesPar() {
    }

    public static void main(String[] args) throws Exception {
        int fromRankThread = Par.rank();
        CompletableFuture<Integer> fromPool = new CompletableFuture<>();
        CountDownLatch done = new CountDownLatch(1);
        ForkJoinPool.commonPool().execute(() -> { // runs on a pool worker: the latch wait below never helps run it
            try {
                fromPool.complete(Par.rank());
            } catch (RuntimeException e) {
                fromPool.completeExceptionally(e);
            }
            done.countDown();
        });
        done.await();
        System.out.println("rank " + fromRankThread + " pool says " + fromPool.join());
    }
}
