package org.jpar.engine.nativempi;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;

import org.jpar.Par;
import org.jpar.internal.Engines;
import org.jpar.internal.MainMethods;

/**
 * What {@code jpar run --engine native} starts in every rank: {@code RankMain MAIN [ARGS...]} joins the MPI job
 * (so every rank initializes MPI, even one whose program never calls jpar), then runs {@code MAIN.main(ARGS)}.
 * An exception out of it prints {@code jpar: rank R of N failed: ...} with the stack trace and aborts the whole job.
 */
public final class RankMain {
    private RankMain() {
    }

    /** @return {@code t} without the frames below {@code main}, or as it is when there is no memory left for that */
    private static Throwable withoutLauncherFrames(Throwable t) {
        try {
            return MainMethods.withoutLauncherFrames(t);
        } catch (OutOfMemoryError e) {
            return t;
        }
    }

    /** @param args the program's main class, then its arguments */
    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: RankMain MAIN [ARGS...] (under mpirun or mpiexec; jpar run --engine native starts it)");
            System.exit(2);
        }
        Method main;
        try {
            if (System.getProperty(Engines.ENGINE_PROPERTY) == null) {
                System.setProperty(Engines.ENGINE_PROPERTY, NativeEngine.NAME); // whatever the JDK or MPI
            }
            Par.init(args);
            main = MainMethods.find(Thread.currentThread().getContextClassLoader(), args[0]);
        } catch (RuntimeException | LinkageError e) {
            NativeEngine.fail(e);
            return;
        }
        try {
            main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
        } catch (InvocationTargetException e) {
            NativeEngine.fail(e.getCause() != null ? withoutLauncherFrames(e.getCause()) : e);
        } catch (IllegalAccessException | RuntimeException | Error e) {
            NativeEngine.fail(e);
        }
    }
}
