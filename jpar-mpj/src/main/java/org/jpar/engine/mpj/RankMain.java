package org.jpar.engine.mpj;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;

import org.jpar.Par;
import org.jpar.internal.MainMethods;

/**
 * What {@code jpar run --engine mpj --device niodev} starts in every rank: {@code RankMain MAIN [ARGS...]} joins the
 * niodev job (so every rank initializes MPJ, even one whose program never calls jpar), then runs
 * {@code MAIN.main(ARGS)}. An exception out of it prints {@code jpar: rank R of N failed: ...} with the stack trace and
 * ends the rank with exit code 1; the launcher then stops the others.
 */
public final class RankMain {
    private RankMain() {
    }

    /** @param args the program's main class, then its arguments */
    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: RankMain MAIN [ARGS...] (jpar run --engine mpj --device niodev starts it)");
            System.exit(2);
        }
        Method main;
        int rank;
        int size;
        try {
            rank = Par.init(args).rank();
            size = Par.size();
            main = MainMethods.find(Thread.currentThread().getContextClassLoader(), args[0]);
        } catch (RuntimeException | LinkageError e) {
            Niodev.fail(e);
            return;
        }
        try {
            main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
            Niodev.endOfMain();
        } catch (InvocationTargetException e) {
            Niodev.fail(rank, size, e.getCause() != null ? MainMethods.withoutLauncherFrames(e.getCause()) : e);
        } catch (IllegalAccessException | RuntimeException | Error e) {
            Niodev.fail(rank, size, e);
        }
    }
}
