package org.jpar.programs;

import org.jpar.Par;

/** Every rank receives from its right neighbour first: nobody ever sends. */
public final class Deadlock {
    private Deadlock() {
    }

    public static void main(String[] args) {
        Par.receive((Par.rank() + 1) % Par.size(), 3);
        Par.send("never", (Par.rank() + 1) % Par.size(), 3);
    }
}
