package org.jpar.engine.threads;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import org.jpar.JparException;

/**
 * Virtual threads (JDK 21+) for jpar, which is compiled for Java 17: {@code Thread.ofVirtual().name(n).unstarted(r)},
 * looked up when first used.
 */
final class VirtualThreads {
    private static final MethodHandle OF_VIRTUAL;
    private static final MethodHandle NAME;
    private static final MethodHandle UNSTARTED;

    static {
        MethodHandle of = null;
        MethodHandle name = null;
        MethodHandle unstarted = null;
        try {
            MethodHandles.Lookup l = MethodHandles.publicLookup();
            Class<?> builder = Class.forName("java.lang.Thread$Builder$OfVirtual");
            of = l.findStatic(Thread.class, "ofVirtual", MethodType.methodType(builder));
            name = l.findVirtual(builder, "name", MethodType.methodType(builder, String.class));
            unstarted = l.findVirtual(builder, "unstarted", MethodType.methodType(Thread.class, Runnable.class));
        } catch (ReflectiveOperationException e) {
            // before JDK 21: ThreadsEngine refuses virtual ranks before it gets here
        }
        OF_VIRTUAL = of;
        NAME = name;
        UNSTARTED = unstarted;
    }

    private VirtualThreads() {
    }

    /** @return a new virtual thread named {@code name} that will run {@code body}, not started */
    static Thread unstarted(String name, Runnable body) {
        if (OF_VIRTUAL == null) {
            throw new JparException("virtual threads need JDK 21 or later (this is JDK " + Runtime.version().feature()
                    + ")");
        }
        try {
            Object b = OF_VIRTUAL.invoke();
            b = NAME.invoke(b, name);
            return (Thread) UNSTARTED.invoke(b, body);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new JparException("could not make a virtual thread: " + e, e);
        }
    }
}
