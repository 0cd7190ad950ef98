package org.jpar.programs;

import org.jpar.Par;

/** Prints the feature version of the JDK each rank runs on ({@code rank 0 java 25}). */
public final class JavaVersion {
    private JavaVersion() {
    }

    public static void main(String[] args) {
        System.out.println("rank " + Par.rank() + " java " + Runtime.version().feature());
    }
}
