package org.jpar.engine.openmpi;

import java.util.List;

/** {@link OpenMpiTests}' helpers for the tests of other engines started through mpirun-like launchers. */
public final class OpenMpiTestsAccess {
    private OpenMpiTestsAccess() {
    }

    /** @return the shaded jar {@code mvn package} built */
    public static String jparJar() {
        return OpenMpiTests.jparJar();
    }

    /** @return the processes whose command line contains {@code marker}, after up to {@code graceMillis} */
    public static List<String> leftovers(String marker, long graceMillis) throws InterruptedException {
        return OpenMpiTests.leftovers(marker, graceMillis);
    }
}
