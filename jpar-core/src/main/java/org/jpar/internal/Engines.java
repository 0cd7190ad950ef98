package org.jpar.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;

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
    /** Set when this whole JVM is one embedded job: then a thread of no rank has no world of its own. */
    private static volatile String unboundRefusal;
    /** What a thread of no rank is told. */
    public static final String NO_RANK = "thread '{thread}' belongs to no rank of this job, so Par cannot tell which "
            + "rank is calling: use Par from a rank's own thread (or a thread it started), or pass that rank's "
            + "Communicator (Par.world()) to the code that runs elsewhere, e.g. in a shared pool or a parallel stream";

    private Engines() {
    }

    /** @return the calling thread's world communicator, joining the process's job on first use */
    public static Communicator world() {
        Communicator c = BOUND.get();
        if (c != null && !isCommonPoolThread()) {
            return c;
        }
        String refusal = c != null ? NO_RANK : unboundRefusal;
        if (refusal != null) {
            throw new JparException(refusal.replace("{thread}", Thread.currentThread().getName()));
        }
        c = processWorld;
        return c != null ? c : joinProcessJob();
    }

    /**
     * The common fork-join pool (parallel streams, CompletableFuture's default) serves every rank of an embedded job,
     * so its threads must not speak for any, even where a JDK lets them inherit the rank that happened to start them
     * (JDK 17's do not).
     */
    private static boolean isCommonPoolThread() {
        return Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == ForkJoinPool.commonPool();
    }

    /**
     * From now on, a thread bound to no rank fails when it asks for its world (instead of joining a job of one rank):
     * used when the whole JVM runs one embedded job. {@code message} may name the thread as <code>{thread}</code>.
     */
    public static void refuseUnbound(String message) {
        unboundRefusal = message;
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
            if (forced != null ? p.name().equals(forced)
                    : p.detect(env) && (chosen == null || p.priority() > chosen.priority())) {
                chosen = p;
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
