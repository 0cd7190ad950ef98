package org.jpar.programs;

import java.util.Arrays;

import org.jpar.Par;

/** Prints its arguments, to show they pass through the launcher untouched. */
public final class EchoArgs {
    private EchoArgs() {
    }

    public static void main(String[] args) {
        System.out.println("rank " + Par.rank() + " args " + Arrays.toString(args));
    }
}
