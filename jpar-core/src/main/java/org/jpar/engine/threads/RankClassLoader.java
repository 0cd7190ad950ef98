package org.jpar.engine.threads;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One rank's copy of the program: the user's classes are defined again in every rank's loader, so each rank has its
 * own static state, as separate processes would. The JDK, jpar's own runtime (API, engines, job layer) and its
 * libraries are shared, so mailboxes are common to all ranks. Class bytes are read once and cached for all ranks. Used
 * by the embedded engine and by MPJ Express's multicore device (whose ranks are threads of one JVM too).
 */
public final class RankClassLoader extends ClassLoader {
    static {
        registerAsParallelCapable();
    }

    /** Packages loaded once for the whole JVM; everything else (user programs, examples, benchmarks) per rank. */
    private static final String[] SHARED_PREFIXES = {
        "java.", "javax.", "jdk.", "sun.", "com.sun.", "org.w3c.", "org.xml.",
        "org.jpar.spi.", "org.jpar.internal.", "org.jpar.engine.", "org.jpar.launcher.",
        "org.jpar.junit.", "org.jpar.job.",
        "org.apache.fory.", "org.codehaus.janino.", "org.codehaus.commons.", "org.jctools.", "me.tongfei.", "picocli.",
        "org.HdrHistogram.",
        "org.junit.", "org.opentest4j.", "org.apiguardian.", "org.assertj.", "net.bytebuddy.", "mpi.", "mpjdev.",
        "mpjbuf.", "xdev.",
    };

    /** Shared cache of class bytes: the jar is read once, not once per rank. */
    public static final class ClassBytes {
        private static final byte[] NONE = new byte[0];
        private final ClassLoader source;
        private final Map<String, byte[]> cache = new ConcurrentHashMap<>();

        public ClassBytes(ClassLoader source) {
            this.source = source;
        }

        byte[] get(String className) {
            byte[] b = cache.computeIfAbsent(className, this::read);
            return b == NONE ? null : b;
        }

        private byte[] read(String className) {
            try (InputStream in = source.getResourceAsStream(className.replace('.', '/') + ".class")) {
                return in == null ? NONE : in.readAllBytes();
            } catch (IOException e) {
                return NONE;
            }
        }
    }

    private final ClassBytes bytes;

    public RankClassLoader(int rank, ClassBytes bytes, ClassLoader parent) {
        super("jpar-rank-" + rank, parent);
        this.bytes = bytes;
    }

    static boolean isShared(String name) {
        for (String p : SHARED_PREFIXES) {
            if (name.startsWith(p)) {
                return true;
            }
        }
        // the public API classes directly in org.jpar (Par, Communicator, ...) are shared; subpackages such as
        // org.jpar.examples are user programs
        return name.startsWith("org.jpar.") && name.indexOf('.', "org.jpar.".length()) < 0;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (isShared(name)) {
            return getParent().loadClass(name);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                byte[] b = bytes.get(name);
                c = b == null ? getParent().loadClass(name) : defineClass(name, b, 0, b.length);
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }
}
