package org.jpar.internal;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;

import org.jpar.JparException;

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
        t.setStackTrace(Arrays.copyOf(frames, n));
        return t;
    }

    private static boolean isLauncherFrame(String className) {
        return className.startsWith("jdk.internal.reflect.") || className.equals("java.lang.reflect.Method")
                || className.equals("java.lang.Thread") || className.startsWith("org.jpar.engine.");
    }
}
