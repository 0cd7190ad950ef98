package org.jpar.programs;

import java.util.List;

import org.jpar.Par;

/**
 * A ring of object messages: each rank sends a record (encoded with Apache Fory, which uses
 * {@code sun.misc.Unsafe}) to its right and prints what its left sent. For the JDK 24+ warning tests.
 */
public final class RecordRing {
    /** An object message: a record with a list inside. */
    public record Token(int from, List<String> path) {
    }

    private RecordRing() {
    }

    public static void main(String[] args) {
        try (var world = Par.init(args)) {
            int right = (world.rank() + 1) % world.size();
            int left = (world.rank() - 1 + world.size()) % world.size();
            world.send(new Token(world.rank(), List.of("P" + world.rank())), right);
            Token t = world.receive(left);
            System.out.println("rank " + world.rank() + " got " + t);
        }
    }
}
