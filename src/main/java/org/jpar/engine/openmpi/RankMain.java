package org.jpar.engine.openmpi;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;

import org.jpar.Par;

/**
 * What {@code jpar run --engine openmpi} starts in every rank: {@code RankMain MAIN [ARGS...]} joins the MPI job
 * (so every rank initializes MPI, even one whose program never calls jpar), then runs {@code MAIN.main(ARGS)}.
 * An exception out of it prints {@code jpar: rank R of N failed: ...} with the stack trace and aborts the whole job.
 */
public final class RankMain {
    private RankMain() {
    }

    /** @param args the program's main class, then its arguments */
    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: RankMain MAIN [ARGS...] (under mpirun; jpar run --engine openmpi starts it)");
            System.exit(2);
        }
        Method main;
        try {
            Par.init(args);
            main = mainMethod(args[0]);
        } catch (RuntimeException | LinkageError e) {
            OpenMpiEngine.fail(e);
            return;
        }
        try {
            main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
        } catch (InvocationTargetException e) {
            OpenMpiEngine.fail(e.getCause() != null ? withoutLauncherFrames(e.getCause()) : e);
        } catch (IllegalAccessException | RuntimeException | Error e) {
            OpenMpiEngine.fail(e);
        }
    }

    /** Drops the frames below the program's main (reflection and this class) from {@code t}'s stack trace. */
    private static Throwable withoutLauncherFrames(Throwable t) {
        StackTraceElement[] frames = t.getStackTrace();
        int n = frames.length;
        while (n > 1 && (frames[n - 1].getClassName().equals(RankMain.class.getName())
                || frames[n - 1].getClassName().startsWith("jdk.internal.reflect.")
                || frames[n - 1].getClassName().equals("java.lang.reflect.Method"))) {
            n--;
        }
        t.setStackTrace(Arrays.copyOf(frames, n));
        return t;
    }

    private static Method mainMethod(String name) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        Class<?> c;
        try {
            c = Class.forName(name, false, loader);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("main class " + name + " was not found on the class path; check the "
                    + "name (a fully qualified class name such as org.jpar.examples.Ring) and pass your classes with "
                    + "--class-path", e);
        }
        try {
            Method m = c.getMethod("main", String[].class);
            if (Modifier.isStatic(m.getModifiers())) {
                m.setAccessible(true);
                return m;
            }
        } catch (NoSuchMethodException e) {
            // reported below
        }
        throw new IllegalArgumentException("main class " + name + " has no public static void main(String[] args)");
    }
}
