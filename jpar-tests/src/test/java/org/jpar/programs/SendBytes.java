package org.jpar.programs;

import org.jpar.Par;

/** Rank 0 sends a {@code byte[args[0]]} to rank 1, which says how many bytes it received. */
public final class SendBytes {
    private SendBytes() {
    }

    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        if (Par.rank() == 0) {
            Par.send(new byte[n], 1);
        } else if (Par.rank() == 1) {
            byte[] b = Par.receive(0);
            System.out.println("received " + b.length + " bytes");
        }
    }
}
