package org.jpar.engine.nativempi;

import org.jpar.internal.RankProcess;

/**
 * What {@link NativeEngine} needs of its world transport beyond {@link RankProcess.World}, implemented by the FFM
 * classes (compiled for Java 22, loaded only on JDK 22+). Public for that implementation only; not user API.
 */
public interface NativeWorld extends RankProcess.World {
    /** @return the MPI library's own version line, e.g. {@code Open MPI v4.1.4, ...} */
    String libraryVersion();
}
