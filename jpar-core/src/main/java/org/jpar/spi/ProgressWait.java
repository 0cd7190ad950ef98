package org.jpar.spi;

/**
 * Optional for an engine's {@link org.jpar.Request}s: lets {@link org.jpar.Request#waitAny} sleep until something
 * that may complete the request happens (a message arrives for its rank, its large send is taken), instead of
 * sleeping a fixed time between tests. Public for engine implementations; not part of the user API.
 */
public interface ProgressWait {
    /**
     * Parks the calling thread until this request may have progressed, or at most {@code maxNanos}; may return early
     * (spuriously). Never completes the request itself: the caller tests it afterwards.
     *
     * @param maxNanos the longest sleep, in nanoseconds
     */
    void parkForProgress(long maxNanos);
}
