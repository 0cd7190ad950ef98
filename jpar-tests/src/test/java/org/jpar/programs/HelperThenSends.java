package org.jpar.programs;

import org.jpar.Communicator;
import org.jpar.Par;

/**
 * Every rank waits in a receive from rank 0 while a platform thread rank 0 started waits ({@code args[0]}: {@code sleep}
 * for 1.5 s, or {@code process}: for a child process that sleeps 1.5 s), then sends to every rank: slow, not
 * deadlocked.
 */
public final class HelperThenSends {
    private HelperThenSends() {
    }

    public static void main(String[] args) throws Exception {
        Communicator world = Par.world();
        Thread helper = null;
        if (world.rank() == 0) {
            helper = new Thread(() -> {
                try {
                    if (args[0].equals("process")) {
                        new ProcessBuilder("sleep", "1.5").start().waitFor();
                    } else {
                        Thread.sleep(1500);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (int r = 0; r < world.size(); r++) {
                    world.send("done", r);
                }
            }, "helper");
            helper.start();
        }
        world.receive(0);
        if (helper != null) {
            helper.join();
            System.out.println("helper " + args[0] + " done");
        }
        Par.finish();
    }
}
