package org.jpar.programs;

import org.jpar.Par;

/**
 * The README's idiom, {@code try (var world = Par.init(args))}: rank {@code args[1]} (default 0) throws inside the
 * block while every other rank waits in a barrier ({@code args[0]} = {@code barrier}), in a receive from it
 * ({@code receive}), in an array allreduce of 1 MiB ({@code allreduce}: Open MPI's own, blocking), or has already
 * returned from main ({@code return}: its process waits to finalize MPI).
 */
public final class ThrowInTryWithResources {
    private ThrowInTryWithResources() {
    }

    public static void main(String[] args) throws Exception {
        String waitIn = args.length > 0 ? args[0] : "barrier";
        try (var world = Par.init(args)) {
            int bad = args.length > 1 ? Integer.parseInt(args[1]) : 0;
            if (world.rank() == bad) {
                Thread.sleep(waitIn.equals("return") ? 1000 : 200);
                throw new IllegalStateException("boom in rank " + world.rank());
            }
            if (waitIn.equals("receive")) {
                world.receive(bad);
            } else if (waitIn.equals("allreduce")) {
                world.allreduce(new double[1 << 17], org.jpar.Op.SUM);
            } else if (waitIn.equals("return")) {
                return;
            } else {
                world.barrier();
            }
        }
    }
}
