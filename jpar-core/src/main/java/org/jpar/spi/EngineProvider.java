package org.jpar.spi;

import java.util.Map;

/**
 * An engine that can give a process its world transport when the process was started by that engine's own launcher
 * (for example {@code mpirun}). Found with {@link java.util.ServiceLoader}; public for engine implementations.
 */
public interface EngineProvider {
    /** @return the engine's name as given to {@code --engine} and {@code -Djpar.engine} */
    String name();

    /**
     * @param env the process environment
     * @return true if this process was evidently started by this engine's launcher (e.g. {@code OMPI_COMM_WORLD_SIZE})
     */
    boolean detect(Map<String, String> env);

    /**
     * @return which engine wins when several detect the same process (the highest; 0 by default): the native MPI
     *         engine prefers itself to the Open MPI Java bindings on JDK 22+
     */
    default int priority() {
        return 0;
    }

    /**
     * Joins the job: initializes the engine and returns this process's world transport. Called at most once.
     *
     * @throws org.jpar.JparException with what to do, if the engine is not installed or cannot start
     */
    Transport connect();
}
