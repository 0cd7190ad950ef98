package org.jpar.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.function.Consumer;

import org.jpar.JparException;
import org.jpar.Par;

/** How every engine finds a program's {@code main} and reports what it threw. */
public final class MainMethods {
    private MainMethods() {
    }

    /**
     * @return {@code mainClass}'s {@code public static void main(String[])}, from {@code loader} (not initialized yet)
     * @throws JparException saying what is missing and what to do
     */
    public static Method find(ClassLoader loader, String mainClass) {
        Class<?> c;
        try {
            c = Class.forName(mainClass, false, loader);
        } catch (UnsupportedClassVersionError e) {
            throw new JparException("main class " + mainClass + " (or a class it needs) was compiled for a newer Java "
                    + "than this one, " + Runtime.version().feature() + ": run jpar on that Java (JAVA_HOME), or "
                    + "compile with --release " + Runtime.version().feature() + " (" + e.getMessage() + ")", e);
        } catch (ClassNotFoundException | NoClassDefFoundError e) {
            throw new JparException("main class " + mainClass + " was not found on the class path; check the name "
                    + "(a fully qualified class name such as org.jpar.examples.Ring) and pass your classes with "
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
        throw new JparException("main class " + mainClass + " has no public static void main(String[] args)");
    }

    /**
     * Drops the frames below the program's {@code main} (reflection, the engine's rank thread) from {@code t}'s stack
     * trace: they say nothing about the failure. @return {@code t}
     */
    public static Throwable withoutLauncherFrames(Throwable t) {
        StackTraceElement[] frames = t.getStackTrace();
        int n = frames.length;
        while (n > 1 && isLauncherFrame(frames[n - 1].getClassName())) {
            n--;
        }
        int from = 0;
        if (t instanceof JparException) {
            // jpar's own error says what was wrong and what to do; of jpar's frames only the call the program made
            // (e.g. Communicator.barrier) helps: the ones inside it (strict mode's ledger, the engine) are noise
            int first = 0;
            while (first < n && isJparFrame(frames[first].getClassName())) {
                first++;
            }
            if (first < n && first > 0) {
                from = first - 1;
                while (from < first && frames[from].getMethodName().startsWith("lambda$")) {
                    from++;
                }
                if (!isApiFrame(frames[from].getClassName())) {
                    from = first;
                }
            }
        }
        t.setStackTrace(Arrays.copyOfRange(frames, from, n));
        return t;
    }

    /** @return true for jpar's runtime: its API (package org.jpar), the engines, the SPI and internals */
    private static boolean isJparFrame(String className) {
        return isApiFrame(className) || className.startsWith("org.jpar.internal.")
                || className.startsWith("org.jpar.engine.") || className.startsWith("org.jpar.spi.");
    }

    private static boolean isApiFrame(String className) {
        return className.startsWith("org.jpar.") && className.indexOf('.', "org.jpar.".length()) < 0;
    }

    private static boolean isLauncherFrame(String className) {
        return className.startsWith("jdk.internal.reflect.") || className.equals("java.lang.reflect.Method")
                || className.equals("java.lang.Thread") || className.startsWith("org.jpar.engine.")
                || className.equals("java.lang.VirtualThread") || className.startsWith("jdk.internal.vm.")
                || className.equals(MainMethods.class.getName());
    }

    /**
     * The body of an MPI engine's {@code RankMain MAIN [ARGS...]}, what its launcher starts in every rank: joins the
     * job with engine {@code engine} (so every rank initializes MPI, even one whose program never calls jpar; unless
     * {@code -Djpar.engine} says otherwise), then runs {@code MAIN.main(ARGS)}. Anything thrown goes to {@code fail}
     * (which reports it and stops the job) without the launcher's frames.
     *
     * @param usage what to print, after {@code usage: RankMain MAIN [ARGS...] }, when {@code args} is empty
     */
    public static void runRank(String[] args, String engine, String usage, Consumer<Throwable> fail) {
        if (args.length == 0) {
            System.err.println("usage: RankMain MAIN [ARGS...] " + usage);
            System.exit(2);
        }
        Method main;
        try {
            if (System.getProperty(Engines.ENGINE_PROPERTY) == null) {
                System.setProperty(Engines.ENGINE_PROPERTY, engine);
            }
            Par.init(args);
            main = find(Thread.currentThread().getContextClassLoader(), args[0]);
        } catch (RuntimeException | LinkageError e) {
            fail.accept(e);
            return;
        }
        try {
            main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause == null) {
                fail.accept(e);
                return;
            }
            try {
                cause = withoutLauncherFrames(cause);
            } catch (OutOfMemoryError oom) {
                // as it is: no memory left to trim it
            }
            fail.accept(cause);
        } catch (IllegalAccessException | RuntimeException | Error e) {
            fail.accept(e);
        }
    }
}
