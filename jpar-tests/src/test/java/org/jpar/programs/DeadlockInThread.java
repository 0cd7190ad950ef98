package org.jpar.programs;

import org.jpar.Par;

/**
 * A deadlock the ranks' main threads do not wait in themselves: each main starts a thread that receives from the
 * other rank (which never sends) and joins it ({@code args[0]} = {@code join}) or waits on a lock it notifies after
 * ({@code lock}).
 */
public final class DeadlockInThread {
    private DeadlockInThread() {
    }

    public static void main(String[] args) throws Exception {
        Object lock = new Object();
        boolean[] done = new boolean[1];
        Thread t = new Thread(() -> {
            Par.receive(1 - Par.rank(), 99);
            synchronized (lock) {
                done[0] = true;
                lock.notifyAll();
            }
        }, "receiver");
        t.start();
        if (args[0].equals("join")) {
            t.join();
        } else {
            synchronized (lock) {
                while (!done[0]) {
                    lock.wait();
                }
            }
        }
    }
}
