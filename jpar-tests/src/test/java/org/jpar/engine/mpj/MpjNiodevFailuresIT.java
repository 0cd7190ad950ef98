package org.jpar.engine.mpj;

/** {@link org.jpar.failures.FailureSuite} on MPJ Express's niodev device (one JVM per rank, supervised by jpar). */
class MpjNiodevFailuresIT extends MpjMulticoreFailuresIT {
    @Override
    protected String device() {
        return "niodev";
    }
}
