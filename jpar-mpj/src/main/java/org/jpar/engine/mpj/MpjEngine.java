package org.jpar.engine.mpj;

import java.util.Map;

import org.jpar.JparException;
import org.jpar.spi.EngineProvider;
import org.jpar.spi.Transport;

/**
 * The MPJ Express engine. Its multicore device runs a whole job in one JVM ({@link Multicore}, what
 * {@code jpar run --engine mpj} does); its niodev device runs one JVM per rank, started by {@code jpar run --engine mpj
 * --device niodev}, which serves MPJ's rendezvous and supervises the ranks: such a process is recognized by
 * {@link #RANK_ENV} and joins the job in {@link #connect()}.
 */
public final class MpjEngine implements EngineProvider {
    /** The engine's name for {@code --engine} and {@code -Djpar.engine}. */
    public static final String NAME = "mpj";
    /** MPJ's device with every rank a thread of one JVM. */
    public static final String MULTICORE = "multicore";
    /** MPJ's device with one JVM per rank over TCP. */
    public static final String NIODEV = "niodev";
    /** Set by jpar's launcher in every niodev rank it starts: the rank. */
    public static final String RANK_ENV = "JPAR_MPJ_RANK";

    /** Public for {@link java.util.ServiceLoader}. */
    public MpjEngine() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean detect(Map<String, String> env) {
        return env.containsKey(RANK_ENV);
    }

    @Override
    public Transport connect() {
        return Niodev.join();
    }

    /** @return the message for a process that asks for the engine outside a job jpar's launcher started */
    static JparException notLaunched() {
        return new JparException("the mpj engine runs under jpar's launcher: jpar run --engine mpj [--device niodev] "
                + "-np N MAIN (this process was not started by it: " + RANK_ENV + " is not set)");
    }
}
