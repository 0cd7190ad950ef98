package org.jpar.job;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import org.jpar.JparException;
import org.jpar.spi.LayerCodec;

/**
 * How a task's exception travels back: Java-serialized (which keeps its class, message, stack trace and causes),
 * together with a {@link RemoteTaskException} standing in for it in case its class cannot be rebuilt on the master.
 * Also which errors kill a worker, and how an exception that cannot describe itself (its {@code getMessage()}
 * throws, its chain of causes loops or is very long, it cannot be serialized) is described anyway: whatever jpar
 * does with a task's exception never throws, so it always ends as its job's failure.
 */
final class Failures {
    private Failures() {
    }

    /** The exception and its stand-in, as travelling. */
    static final class Packed implements Serializable {
        private static final long serialVersionUID = 1L;
        final byte[] real;
        final RemoteTaskException standIn;

        Packed(byte[] real, RemoteTaskException standIn) {
            this.real = real;
            this.standIn = standIn;
        }
    }

    /**
     * @return true if {@code t} escaping a task means its worker is broken and must die (its jobs go to the other
     *         workers): {@link OutOfMemoryError}, {@link InternalError}, {@link UnknownError}, {@link ThreadDeath}.
     *         Any other throwable, {@link StackOverflowError} and {@link AssertionError} included, fails the job only.
     */
    @SuppressWarnings("removal")
    static boolean isFatal(Throwable t) {
        return t instanceof OutOfMemoryError || t instanceof InternalError || t instanceof UnknownError
                || t instanceof ThreadDeath;
    }

    /** Rethrows {@code e} if it is fatal (see {@link #isFatal}): every fatal kind is an {@link Error}. */
    static void rethrowIfFatal(Throwable e) {
        if (isFatal(e)) {
            throw (Error) e;
        }
    }

    /** Drops the frames below the task (jpar's worker loop, the rank's main), which say nothing about the failure. */
    static Throwable trim(Throwable t) {
        try {
            StackTraceElement[] st = t.getStackTrace();
            for (int i = 0; i < st.length; i++) {
                if (st[i].getClassName().startsWith("org.jpar.job.")) {
                    t.setStackTrace(Arrays.copyOf(st, i + 1));
                    break;
                }
            }
        } catch (Throwable e) {
            rethrowIfFatal(e);
            // its stack trace cannot be read or set: it stays as it is (and its stand-in says so)
        }
        return t;
    }

    /** The longest chain of causes handed over as it is; a longer one is cut (printing it could overflow). */
    static final int MAX_CAUSES = 100;

    /**
     * @return {@code t} as its job's cause: itself if it can describe itself (its {@code toString()} and stack
     *         trace, and those of its causes and suppressed exceptions, can be read; its chain of causes ends within
     *         {@link #MAX_CAUSES} and has no cycle), else a {@link RemoteTaskException} describing what can be
     */
    static Throwable forJob(Throwable t) {
        return describesItself(t) ? t : standIn(t);
    }

    /** @return true if {@code t} can be printed, walked and described without throwing or looping */
    static boolean describesItself(Throwable t) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Throwable> todo = new ArrayDeque<>();
        todo.add(t);
        int depth = 0;
        try {
            while (!todo.isEmpty()) {
                Throwable x = todo.poll();
                if (!seen.add(x) || ++depth > MAX_CAUSES) {
                    return false;
                }
                if (x.toString() == null || x.getStackTrace() == null) {
                    return false;
                }
                Throwable cause = x.getCause();
                if (cause == x) {
                    return false;
                }
                if (cause != null) {
                    todo.add(cause);
                }
                for (Throwable s : x.getSuppressed()) {
                    if (s != null) {
                        todo.add(s);
                    }
                }
            }
            return true;
        } catch (Throwable e) {
            rethrowIfFatal(e);
            return false;
        }
    }

    /**
     * @return what {@code t.toString()} says, or, when that throws, its class name and what can be read of its
     *         message; never throws (but for a fatal error)
     */
    static String describe(Throwable t) {
        if (t == null) {
            return "null";
        }
        String name = t.getClass().getName();
        try {
            String s = t.toString();
            if (s != null) {
                return s;
            }
        } catch (Throwable e) {
            rethrowIfFatal(e);
            // below: what can be read
        }
        try {
            String m = t.getMessage();
            return m == null ? name : name + ": " + m;
        } catch (Throwable e) {
            rethrowIfFatal(e);
            return name + " (its message cannot be read: getMessage() threw " + e.getClass().getName() + ")";
        }
    }

    /**
     * @return a {@link RemoteTaskException} standing in for {@code t}: its class name, {@link #describe description}
     *         and stack trace, with its chain of causes rebuilt the same way, cut at a cycle or after
     *         {@link #MAX_CAUSES} (the last one says so). Never throws (but for a fatal error).
     */
    static RemoteTaskException standIn(Throwable t) {
        List<Throwable> chain = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        String cut = null;
        Throwable x = t;
        while (x != null) {
            if (!seen.add(x)) {
                cut = " [its cause, " + describe(x) + ", is already in this chain (a cycle): cut here]";
                break;
            }
            if (chain.size() == MAX_CAUSES) {
                cut = " [more causes follow: the chain is longer than " + MAX_CAUSES + ", cut here]";
                break;
            }
            chain.add(x);
            Throwable next;
            try {
                next = x.getCause();
            } catch (Throwable e) {
                rethrowIfFatal(e);
                cut = " [its getCause() threw " + e.getClass().getName() + "]";
                break;
            }
            if (next == x) {
                cut = " [it names itself as its own cause]";
                break;
            }
            x = next;
        }
        RemoteTaskException cause = null;
        for (int i = chain.size() - 1; i >= 0; i--) {
            Throwable link = chain.get(i);
            String message = describe(link) + (i == chain.size() - 1 && cut != null ? cut : "");
            StackTraceElement[] trace;
            try {
                trace = link.getStackTrace();
            } catch (Throwable e) {
                rethrowIfFatal(e);
                trace = new StackTraceElement[0];
                message += " [its stack trace cannot be read: getStackTrace() threw " + e.getClass().getName() + "]";
            }
            cause = new RemoteTaskException(link.getClass().getName(), message, trace, cause);
        }
        return cause;
    }

    /** @return {@code t} (trimmed) as bytes; never throws but for a fatal error (see {@link #isFatal}) */
    static byte[] encode(Throwable t) {
        trim(t);
        boolean describes = describesItself(t);
        byte[] real = null;
        if (describes) {
            try {
                real = javaSerialize(t);
            } catch (Throwable e) {
                rethrowIfFatal(e);
                real = null;
            }
        }
        RemoteTaskException standIn = standIn(t);
        try {
            return javaSerialize(new Packed(real, standIn));
        } catch (Throwable e) {
            rethrowIfFatal(e);
        }
        try {
            return javaSerialize(new Packed(null, new RemoteTaskException(t.getClass().getName(),
                    t.getClass().getName() + " (it cannot be described)", new StackTraceElement[0], null)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode even the class name of " + t.getClass().getName(), e);
        }
    }

    /**
     * @return the exception {@code bytes} encode: the real one if it can be rebuilt here and describes itself, else
     *         its stand-in; never throws but for a fatal error
     */
    static Throwable decode(byte[] bytes, LayerCodec codec) {
        Object o;
        try {
            o = codec.decode(bytes);
        } catch (Throwable e) {
            rethrowIfFatal(e);
            return standIn(new JparException("the task's exception cannot be decoded here: " + describe(e), e));
        }
        if (!(o instanceof Packed p)) {
            return new RemoteTaskException("?", "the task's exception arrived as a "
                    + (o == null ? "null" : o.getClass().getName()) + ", not as a jpar failure", new StackTraceElement[0],
                    null);
        }
        if (p.real != null) {
            try {
                Object t = codec.decode(p.real);
                if (t instanceof Throwable thrown && describesItself(thrown)) {
                    return thrown;
                }
            } catch (Throwable e) {
                rethrowIfFatal(e);
                // its class is not known here: the stand-in tells the same
            }
        }
        return p.standIn;
    }

    private static byte[] javaSerialize(Object o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.toByteArray();
    }
}
