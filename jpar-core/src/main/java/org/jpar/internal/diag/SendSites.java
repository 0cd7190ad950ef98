package org.jpar.internal.diag;

/**
 * Where a message was sent from, for strict mode's reports: the first frame of the sender's stack outside jpar.
 * Taking a stack costs microseconds, so engines ask for it only in strict mode.
 */
public final class SendSites {
    private static final StackWalker WALKER = StackWalker.getInstance();
    /** The site of the message the calling thread opened last (strict mode only), for a type mismatch's report. */
    private static final ThreadLocal<String> LAST_OPENED = new ThreadLocal<>();

    private SendSites() {
    }

    /** @return the caller's first frame outside jpar, as {@code Class.method(File.java:12)}, or null */
    public static String here() {
        return WALKER.walk(s -> s.filter(f -> !isJpar(f.getClassName())).findFirst()
                .map(f -> f.getClassName() + "." + f.getMethodName() + "(" + f.getFileName() + ":"
                        + f.getLineNumber() + ")")
                .orElse(null));
    }

    private static boolean isJpar(String c) {
        return c.startsWith("org.jpar.Par") || c.startsWith("org.jpar.Communicator") || c.startsWith("org.jpar.engine.")
                || c.startsWith("org.jpar.internal.") || c.startsWith("org.jpar.spi.") || c.startsWith("org.jpar.Request");
    }

    /** Notes (strict mode) the send site of the message the calling thread is opening; null clears it. */
    public static void opening(String site) {
        if (site == null) {
            LAST_OPENED.remove();
        } else {
            LAST_OPENED.set(site);
        }
    }

    /** @return {@code " (sent at SITE)"} for the message this thread opened last in strict mode, else empty */
    public static String ofLastOpened() {
        String s = LAST_OPENED.get();
        return s == null ? "" : " (sent at " + s + ")";
    }
}
