package org.jpar.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import org.jpar.Communicator;
import org.jpar.JparException;
import org.jpar.engine.threads.ThreadsEngine;
import org.jpar.spi.EngineProvider;

/**
 * Finds the calling rank's world communicator: the one bound to the calling thread (embedded ranks and the threads
 * they start), else the process's own (an MPI engine detected from the environment, or a job of one rank).
 */
public final class Engines {
    /** System property (or environment variable {@code JPAR_ENGINE}) that names the engine of a process. */
    public static final String ENGINE_PROPERTY = "jpar.engine";

    private static final InheritableThreadLocal<Communicator> BOUND = new InheritableThreadLocal<>();
    private static volatile Communicator processWorld;

    private Engines() {
    }

    /** @return the calling thread's world communicator, joining the process's job on first use */
    public static Communicator world() {
        Communicator c = BOUND.get();
        if (c != null) {
            return c;
        }
        c = processWorld;
        return c != null ? c : joinProcessJob();
    }

    /** Makes {@code world} the world of the calling thread and the threads it starts from now on. */
    public static void bind(Communicator world) {
        BOUND.set(world);
    }

    /** Undoes {@link #bind}. */
    public static void unbind() {
        BOUND.remove();
    }

    /** @return every engine provider on the class path */
    public static List<EngineProvider> providers() {
        List<EngineProvider> all = new ArrayList<>();
        ServiceLoader.load(EngineProvider.class, Engines.class.getClassLoader()).forEach(all::add);
        return all;
    }

    private static synchronized Communicator joinProcessJob() {
        if (processWorld != null) {
            return processWorld;
        }
        String forced = System.getProperty(ENGINE_PROPERTY, System.getenv("JPAR_ENGINE"));
        Map<String, String> env = System.getenv();
        List<EngineProvider> providers = providers();
        EngineProvider chosen = null;
        for (EngineProvider p : providers) {
            if (forced != null ? p.name().equals(forced) : p.detect(env)) {
                chosen = p;
                break;
            }
        }
        if (chosen != null) {
            processWorld = new Communicator(chosen.connect());
        } else if (forced == null || forced.equals(ThreadsEngine.NAME)) {
            processWorld = ThreadsEngine.singleton();
        } else {
            List<String> names = new ArrayList<>();
            names.add(ThreadsEngine.NAME);
            providers.forEach(p -> names.add(p.name()));
            throw new JparException("engine '" + forced + "' (from -D" + ENGINE_PROPERTY + " or JPAR_ENGINE) is not "
                    + "available in this build; available engines: " + String.join(", ", names));
        }
        return processWorld;
    }
}
