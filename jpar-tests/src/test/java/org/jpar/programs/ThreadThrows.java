package org.jpar.programs;

import org.jpar.Par;

/**
 * Rank {@code args[0]} (default 1) starts a thread that throws; every rank's main returns normally. With
 * {@code args[1]} = {@code late} the thread throws after its rank's main has returned.
 */
public final class ThreadThrows {
    private ThreadThrows() {
    }

    public static void main(String[] args) throws Exception {
        int bad = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        boolean late = args.length > 1 && args[1].equals("late");
        if (Par.rank() == bad) {
            Thread t = new Thread(() -> {
                if (late) {
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                throw new IllegalStateException("boom in a thread of rank " + bad);
            }, "helper");
            t.start();
            if (!late) {
                t.join();
            }
        }
    }
}
