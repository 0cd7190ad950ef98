package org.jpar.programs;

import org.jpar.Communicator;
import org.jpar.Par;

/**
 * Rank {@code args[0]} calls {@code abort(args[1])} (from {@code args[2]}: {@code main}, a {@code thread} it started,
 * or a {@code split} communicator) while every other rank waits in a receive that never comes.
 */
public final class AbortingRank {
    private AbortingRank() {
    }

    public static void main(String[] args) throws Exception {
        int bad = Integer.parseInt(args[0]);
        int code = Integer.parseInt(args[1]);
        String from = args.length > 2 ? args[2] : "main";
        Communicator sub = from.equals("split") ? Par.split(Par.rank() % 2, 0) : null;
        if (Par.rank() == bad) {
            Thread.sleep(200);
            switch (from) {
                case "thread" -> {
                    Thread t = new Thread(() -> Par.abort(code), "aborter");
                    t.start();
                    t.join();
                }
                case "split" -> sub.abort(code);
                default -> Par.abort(code);
            }
            throw new IllegalStateException("abort returned");
        }
        Par.receive(bad); // never sent: only the abort can end this
    }
}
