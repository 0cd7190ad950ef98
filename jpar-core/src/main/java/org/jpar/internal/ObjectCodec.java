package org.jpar.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.OutputStream;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.fory.Fory;
import org.apache.fory.config.Language;
import org.apache.fory.logging.LoggerFactory;
import org.apache.fory.memory.MemoryBuffer;
import org.apache.fory.resolver.DisallowedList;
import org.jpar.JparException;
import org.jpar.internal.diag.Working;

/**
 * Encodes any object to bytes and back, for one class loader (one rank's classes): Apache Fory first, Java
 * serialization for {@link Serializable} objects Fory cannot handle.
 *
 * <pre>
 * 0: format ({@link #TRACKED} Fory with reference tracking, {@link #PLAIN} Fory without it, {@link #JAVA})
 * 1: flags ({@link #DEEP}: nests deeper than the caller's stack, decode on a thread with a large stack)
 * 2-3: length of the value's class name (UTF-8)   4..: the class name   then the payload
 * </pre>
 *
 * The class name lets a receiver check the value's class (and that it can load it) before any of that class's code
 * runs. Values that are trees of JDK containers ({@code ArrayList}, {@code HashMap}, {@code Object[]}, ...) over
 * immutable leaves ({@code String}, boxed numbers, enums) travel without reference tracking, whose cost in Fory grows
 * faster than the value; every other value keeps identity, shared references and cycles. A value nesting deeper than
 * the caller's stack allows is encoded and decoded on a thread with a stack of {@link #deepStackBytes()}, up to
 * {@link #MAX_DEPTH} levels. The Java-serialization fallback decodes through an {@link ObjectInputFilter} that
 * refuses Fory's deny-list and the JDK's known gadget classes, always. Thread-safe (one caller at a time).
 *
 * <p>Settings (system properties, the same on every rank): {@code jpar.codec.allow} (a comma-separated allow-list of
 * class names and {@code package.*} prefixes: classes outside it and outside jpar's JDK base set are refused when
 * encoding and decoding), {@code jpar.codec.maxDepth} (default 1,000,000). Fory's own log lines are off unless the
 * environment variable {@code FORY_LOG_LEVEL} is set.
 */
public final class ObjectCodec {
    static final byte TRACKED = (byte) 0xF1;
    static final byte PLAIN = (byte) 0xF2;
    static final byte JAVA = (byte) 0xF3;
    static final byte DEEP = 1;

    /** The largest encoded message: one Java array. */
    public static final long MAX_ENCODED = Integer.MAX_VALUE - 64;
    /** Nesting the caller's own thread decodes; deeper values go to a thread with a large stack. */
    static final int SHALLOW_DEPTH = 1000;
    /** The largest encoding buffer a codec keeps between messages. */
    private static final int KEPT_BUFFER = 1 << 20;
    /** Nesting a value may have (nodes of a linked list, levels of a tree). */
    public static final int MAX_DEPTH = Settings.CODEC_MAX_DEPTH.getInt(1_000_000);

    private static final AllowList ALLOW = AllowList.parse(System.getProperty("jpar.codec.allow"));
    private static final ThreadLocal<Class<?>> EXPECTED = new ThreadLocal<>();

    static {
        if (System.getenv("FORY_LOG_LEVEL") == null) {
            LoggerFactory.disableLogging(); // no library chatter in a program's output
        }
    }

    private final ClassLoader loader;
    private final String owner;
    private Fory tracked;
    private Fory plain;
    private Fory deep;
    private MemoryBuffer scratch;
    /** Classes a received header named that passed the checks and loaded (decode). */
    private final Map<String, Class<?>> checked = new HashMap<>();
    /** Class names as header bytes (encode). */
    private final Map<Class<?>, byte[]> names = new HashMap<>();

    /** @param loader where received classes are looked up (the receiving rank's class loader) */
    public ObjectCodec(ClassLoader loader) {
        this(loader, "this rank");
    }

    /**
     * @param loader where received classes are looked up (the receiving rank's class loader)
     * @param owner  who decodes, for messages, e.g. {@code rank 2}
     */
    public ObjectCodec(ClassLoader loader, String owner) {
        this.loader = loader;
        this.owner = owner;
    }

    /**
     * Makes the codec check, on this thread until {@code expect(previous)}, that a decoded value is an instance of
     * {@code type} before any code of the value's class runs: a typed receive.
     *
     * @return the previous expectation, to restore
     */
    public static Class<?> expect(Class<?> type) {
        Class<?> previous = EXPECTED.get();
        if (type == null) {
            EXPECTED.remove();
        } else {
            EXPECTED.set(type);
        }
        return previous;
    }

    /**
     * @return {@code value} as bytes
     * @throws JparException when the value cannot be encoded, its encoding exceeds {@link #MAX_ENCODED} bytes, or it
     *                       nests deeper than {@link #MAX_DEPTH}
     */
    public synchronized byte[] encode(Object value) {
        boolean w = Working.begin(); // encoding computes: the hang watch must not take it for a blocked send
        try {
            return encodeNow(value);
        } finally {
            Working.end(w);
        }
    }

    private byte[] encodeNow(Object value) {
        int depth = plainDepth(value);
        if (depth >= 0 && depth < SHALLOW_DEPTH) {
            try {
                return foryEncode(plain(), PLAIN, (byte) 0, value);
            } catch (RuntimeException e) {
                return fallback(value, e, (byte) 0);
            }
        }
        if (depth < 0) {
            try {
                return foryEncode(tracked(), TRACKED, (byte) 0, value);
            } catch (RuntimeException | StackOverflowError e) {
                if (!stackOverflow(e)) {
                    return fallback(value, e, (byte) 0);
                }
                tracked = null; // a stack overflow may leave it half-way: build a new one
            }
        }
        return onDeepStack(() -> {
            try {
                return foryEncode(deep(), TRACKED, DEEP, value);
            } catch (RuntimeException | StackOverflowError e) {
                deep = null;
                if (stackOverflow(e)) {
                    throw new JparException("cannot send a " + value.getClass().getTypeName() + ": it nests deeper "
                            + "than a stack of " + deepStackBytes() + " bytes holds (at most about " + MAX_DEPTH
                            + " levels, -Djpar.codec.maxDepth); send it in parts", e);
                }
                return fallback(value, e, DEEP);
            }
        });
    }

    /**
     * Decodes, always through the codec's class filter (also for the Java-serialization format).
     *
     * @return the object {@code bytes} encode, with its classes from this codec's loader
     * @throws JparException when the value's class cannot be loaded here (naming it and {@code owner}), is refused by
     *                       the filter, does not match a typed receive's type, or the bytes are not a message
     */
    public synchronized Object decode(byte[] bytes) {
        boolean w = Working.begin(); // decoding computes: the hang watch must not take it for a blocked receive
        try {
            return decodeNow(bytes);
        } finally {
            Working.end(w);
        }
    }

    private Object decodeNow(byte[] bytes) {
        if (bytes.length > 1 && bytes[0] == (byte) 0xAC && bytes[1] == (byte) 0xED) {
            return javaDeserialize(bytes, 0, "Java-serialized value"); // plain Java serialization, filtered too
        }
        if (bytes.length < 4 || (bytes[0] != TRACKED && bytes[0] != PLAIN && bytes[0] != JAVA)) {
            throw new JparException(owner + " cannot decode " + bytes.length + " bytes: not a jpar object message"
                    + " (is every rank running the same jpar version?)");
        }
        int nameLength = ((bytes[2] & 0xFF) << 8) | (bytes[3] & 0xFF);
        String className = new String(bytes, 4, nameLength, StandardCharsets.UTF_8);
        int at = 4 + nameLength;
        checkClass(className, bytes.length);
        byte format = bytes[0];
        if (format == JAVA) {
            return (bytes[1] & DEEP) != 0 ? onDeepStack(() -> javaDeserialize(bytes, at, className))
                    : javaDeserialize(bytes, at, className);
        }
        if (format == PLAIN) {
            return foryDecode(plain(), bytes, at, className);
        }
        if ((bytes[1] & DEEP) == 0) {
            try {
                return foryDecode(tracked(), bytes, at, className);
            } catch (JparException e) {
                throw e;
            } catch (RuntimeException | StackOverflowError e) {
                if (!stackOverflow(e) && !depthExceeded(e)) {
                    throw decodeFailure(bytes.length, className, e);
                }
                tracked = null;
            }
        }
        return onDeepStack(() -> {
            try {
                return foryDecode(deep(), bytes, at, className);
            } catch (JparException e) {
                throw e;
            } catch (RuntimeException | StackOverflowError e) {
                deep = null;
                throw decodeFailure(bytes.length, className, e);
            }
        });
    }

    /** @return the class name a message of {@code bytes} carries, or null when it is not an object message */
    public static String className(byte[] bytes) {
        if (bytes.length < 4 || (bytes[0] != TRACKED && bytes[0] != PLAIN && bytes[0] != JAVA)) {
            return null;
        }
        int n = ((bytes[2] & 0xFF) << 8) | (bytes[3] & 0xFF);
        return new String(bytes, 4, n, StandardCharsets.UTF_8);
    }

    /** @return the stack size of the thread that encodes and decodes values nesting deeper than usual */
    public static long deepStackBytes() {
        return Math.max(64L << 20, MAX_DEPTH * 1024L);
    }

    // ---- checks before any code of the value's class runs

    private void checkClass(String className, int length) {
        if (className.isEmpty()) {
            return; // null
        }
        Class<?> c = checked.get(className);
        if (c == null) {
            if (!ALLOW.allows(className) || DisallowedList.contains(className)) {
                throw refused(className);
            }
            try {
                c = Class.forName(className, false, loader); // loads, never initializes: runs none of its code
            } catch (ClassNotFoundException | LinkageError e) {
                throw unknownClass(className, length, e);
            }
            if (checked.size() < 4096) {
                checked.put(className, c);
            }
        }
        Class<?> expected = EXPECTED.get();
        if (expected != null && !expected.isAssignableFrom(c)) {
            throw new WrongType(className);
        }
    }

    private JparException unknownClass(String className, int length, Throwable cause) {
        return new JparException(owner + " cannot load class " + className + " of a received message (" + length
                + " bytes): it is not on " + owner + "'s class path; put the same classes on every rank's class path",
                cause);
    }

    private static JparException refused(String className) {
        return new JparException("the codec refused class " + className + ": it is on the deny-list of known "
                + "deserialization gadgets, or outside -Djpar.codec.allow=" + ALLOW);
    }

    /** A typed receive found a value of another class; nothing of it was decoded. */
    public static final class WrongType extends JparException {
        private static final long serialVersionUID = 1L;
        private final String className;

        WrongType(String className) {
            super("the message holds a " + className + " (not decoded)");
            this.className = className;
        }

        /** @return the class the message holds */
        public String className() {
            return className;
        }
    }

    // ---- Fory

    private Fory tracked() {
        if (tracked == null) {
            tracked = build(true, SHALLOW_DEPTH);
        }
        return tracked;
    }

    private Fory plain() {
        if (plain == null) {
            plain = build(false, SHALLOW_DEPTH);
        }
        return plain;
    }

    private Fory deep() {
        if (deep == null) {
            deep = build(true, MAX_DEPTH);
        }
        return deep;
    }

    private Fory build(boolean refs, int maxDepth) {
        org.apache.fory.config.ForyBuilder b = Fory.builder();
        if (ALLOW.configured()) {
            b.withTypeChecker((resolver, name) -> ALLOW.allows(name));
        }
        return b.withLanguage(Language.JAVA)
                .withClassLoader(loader)
                .requireClassRegistration(false)
                .suppressClassRegistrationWarnings(true)
                .withDeserializeUnknownClass(false) // an unknown class is an error, never an UnknownStruct
                .withRefTracking(refs)
                .withMaxDepth(maxDepth)
                .withMaxGraphMemoryBytes(Long.MAX_VALUE) // ranks trust each other: what a rank built, arrives
                .withMaxUnbackedContainerItems(Integer.MAX_VALUE)
                .build();
    }

    private byte[] foryEncode(Fory fory, byte format, byte flags, Object value) {
        MemoryBuffer buffer = scratch;
        if (buffer == null) {
            buffer = scratch = MemoryBuffer.newHeapBuffer(4096); // reused between messages
        }
        buffer.writerIndex(0);
        try {
            header(buffer, format, flags, value);
            MemoryBuffer b = buffer;
            fory.serialize(buffer, value, big -> {
                if ((long) b.writerIndex() + big.totalBytes() + 16 > MAX_ENCODED) {
                    throw new TooLarge((long) b.writerIndex() + big.totalBytes());
                }
                return true; // in band: the array's bytes go into the message
            });
            return buffer.getBytes(0, buffer.writerIndex());
        } finally {
            if (buffer.size() > KEPT_BUFFER) {
                scratch = null; // a large one is not kept
            }
        }
    }

    private void header(MemoryBuffer buffer, byte format, byte flags, Object value) {
        if (names.size() > 4096) {
            names.clear();
        }
        byte[] name = value == null ? new byte[0]
                : names.computeIfAbsent(value.getClass(), c -> c.getName().getBytes(StandardCharsets.UTF_8));
        buffer.writeByte(format);
        buffer.writeByte(flags);
        buffer.writeByte((byte) (name.length >> 8));
        buffer.writeByte((byte) name.length);
        buffer.writeBytes(name);
    }

    private Object foryDecode(Fory fory, byte[] bytes, int at, String className) {
        Thread me = Thread.currentThread();
        ClassLoader context = me.getContextClassLoader();
        me.setContextClassLoader(loader); // Fory also looks there: only this rank's classes
        try {
            return fory.deserialize(MemoryBuffer.fromByteArray(bytes, at, bytes.length - at), List.of());
        } catch (RuntimeException e) {
            JparException unknown = unknownClassIn(e);
            if (unknown != null) {
                throw unknown;
            }
            throw e;
        } finally {
            me.setContextClassLoader(context);
        }
    }

    /** @return a clear error when {@code e} says a class of the value could not be loaded here, else null */
    private JparException unknownClassIn(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ClassNotFoundException || t instanceof NoClassDefFoundError) {
                String name = t.getMessage() == null ? "?" : t.getMessage().replace('/', '.');
                return new JparException(owner + " cannot load class " + name + " of a received value: it is not on "
                        + owner + "'s class path; put the same classes on every rank's class path", e);
            }
            if (t instanceof org.apache.fory.exception.InsecureException && depthExceeded(t)) {
                return new JparException(owner + " cannot decode a received value: it nests deeper than " + MAX_DEPTH
                        + " levels; raise the limit on every rank with -Djpar.codec.maxDepth=N (JPAR_JAVA_OPTS), or "
                        + "send the value in parts", e);
            }
            if (t instanceof org.apache.fory.exception.InsecureException) {
                return new JparException(owner + " refused a received value: " + t.getMessage(), e);
            }
        }
        return null;
    }

    private JparException decodeFailure(int length, String className, Throwable e) {
        if (stackOverflow(e) || depthExceeded(e)) {
            return new JparException(owner + " cannot decode a received " + className + " (" + length + " bytes): "
                    + "it nests deeper than " + MAX_DEPTH + " levels (-Djpar.codec.maxDepth)", e);
        }
        return new JparException(owner + " cannot decode a received " + className + " (" + length + " bytes): " + e,
                e);
    }

    private static boolean stackOverflow(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StackOverflowError) {
                return true;
            }
        }
        return false;
    }

    private static boolean depthExceeded(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.apache.fory.exception.InsecureException && t.getMessage() != null
                    && t.getMessage().contains("depth")) {
                return true;
            }
        }
        return false;
    }

    /** Thrown from the encoder's buffer callback when the message would exceed {@link #MAX_ENCODED}. */
    private static final class TooLarge extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final long atLeast;

        TooLarge(long atLeast) {
            super(null, null, false, false);
            this.atLeast = atLeast;
        }
    }

    private static JparException tooLarge(Object value, TooLarge e) {
        return new JparException("cannot send a " + value.getClass().getTypeName() + ": it encodes to more than "
                + e.atLeast + " bytes, over the " + MAX_ENCODED + " bytes (2 GiB) a message can hold; send its large "
                + "arrays as messages of their own, or in parts");
    }

    private static Throwable unwrapTooLarge(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TooLarge) {
                return t;
            }
        }
        return null;
    }

    // ---- Java serialization fallback

    private byte[] fallback(Object value, Throwable foryFailure, byte flags) {
        Throwable big = unwrapTooLarge(foryFailure);
        if (big != null) {
            throw tooLarge(value, (TooLarge) big);
        }
        for (Throwable t = foryFailure; t != null; t = t.getCause()) {
            if (t instanceof org.apache.fory.exception.InsecureException && ALLOW.configured()) {
                throw new JparException("cannot send a " + value.getClass().getTypeName() + ": it is, or holds, a "
                        + "class outside -Djpar.codec.allow=" + ALLOW + " (" + t.getMessage().split(" is not ")[0]
                        + "): add it to the list on every rank", foryFailure);
            }
        }
        if (value instanceof Serializable) {
            return javaSerialize(value, foryFailure, flags);
        }
        throw new JparException("cannot send a " + value.getClass().getTypeName() + ": the codec failed ("
                + foryFailure + ") and the class is not java.io.Serializable", foryFailure);
    }

    private static byte[] javaSerialize(Object value, Throwable foryFailure, byte flags) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        byte[] name = value.getClass().getName().getBytes(StandardCharsets.UTF_8);
        bytes.write(JAVA);
        bytes.write(flags);
        bytes.write(name.length >> 8);
        bytes.write(name.length);
        bytes.write(name, 0, name.length);
        try (ObjectOutputStream out = new CheckingObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            JparException ex = new JparException("cannot send a " + value.getClass().getTypeName()
                    + ": neither Fory nor Java serialization can encode it (" + e + ")", e);
            ex.addSuppressed(foryFailure);
            throw ex;
        }
        return bytes.toByteArray();
    }

    private Object javaDeserialize(byte[] bytes, int at, String className) {
        try (ObjectInputStream in = new LoaderObjectInputStream(
                new ByteArrayInputStream(bytes, at, bytes.length - at), loader)) {
            in.setObjectInputFilter(FILTER);
            return in.readObject();
        } catch (InvalidClassException e) {
            throw new JparException(owner + " refused a received Java-serialized " + className + ": " + e.getMessage()
                    + " (the codec's filter refuses known deserialization gadgets)", e);
        } catch (ClassNotFoundException e) {
            throw unknownClass(e.getMessage(), bytes.length, e);
        } catch (IOException e) {
            throw new JparException(owner + " cannot decode a received Java-serialized " + className + " of "
                    + bytes.length + " bytes: " + e, e);
        }
    }

    /** JEP 290: refuses Fory's deny-list, the JDK's gadget packages, classes outside the allow-list. */
    static final ObjectInputFilter FILTER = info -> {
        Class<?> c = info.serialClass();
        if (c != null) {
            while (c.isArray()) {
                c = c.getComponentType();
            }
            if (!c.isPrimitive() && refusedByFilter(c.getName())) {
                return ObjectInputFilter.Status.REJECTED;
            }
        }
        ObjectInputFilter global = ObjectInputFilter.Config.getSerialFilter();
        return global == null ? ObjectInputFilter.Status.UNDECIDED : global.checkInput(info);
    };

    private static final String[] GADGET_PREFIXES = {"java.rmi.", "sun.rmi.", "javax.management.", "javax.naming.",
        "com.sun.jndi.", "com.sun.org.apache.xalan.", "com.sun.org.apache.bcel.", "com.sun.rowset.",
        "javax.script.", "jdk.jshell.", "java.beans.", "sun.reflect.annotation.", "com.sun.corba.",
        "org.apache.commons.collections.functors.", "org.apache.commons.collections4.functors."};

    static boolean refusedByFilter(String name) {
        if (DisallowedList.contains(name) || !ALLOW.allows(name) || name.equals("java.security.SignedObject")) {
            return true;
        }
        for (String p : GADGET_PREFIXES) {
            if (name.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /** Refuses at the sender what the receiver's filter would refuse, naming the class. */
    private static final class CheckingObjectOutputStream extends ObjectOutputStream {
        CheckingObjectOutputStream(OutputStream out) throws IOException {
            super(out);
            enableReplaceObject(true);
        }

        @Override
        protected Object replaceObject(Object obj) {
            if (obj != null) {
                Class<?> c = obj.getClass();
                while (c.isArray()) {
                    c = c.getComponentType();
                }
                if (!c.isPrimitive() && refusedByFilter(c.getName())) {
                    throw refused(c.getName());
                }
            }
            return obj;
        }
    }

    /** Resolves classes in a given loader, so a rank receives its own copy of a class. */
    private static final class LoaderObjectInputStream extends ObjectInputStream {
        private final ClassLoader loader;

        LoaderObjectInputStream(InputStream in, ClassLoader loader) throws IOException {
            super(in);
            this.loader = loader;
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            try {
                return Class.forName(desc.getName(), false, loader);
            } catch (ClassNotFoundException e) {
                return super.resolveClass(desc);
            }
        }
    }

    // ---- deep values

    /** Runs {@code task} on a new thread with a stack of {@link #deepStackBytes()}, and waits for it. */
    private static <T> T onDeepStack(java.util.function.Supplier<T> task) {
        AtomicReference<Object> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                result.set(task.get());
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "jpar-codec-deep", deepStackBytes());
        t.setDaemon(true);
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the value is half-way: finish it, keep the flag for the caller
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable e = failure.get();
        if (e instanceof RuntimeException r) {
            throw r;
        } else if (e instanceof Error err) {
            throw err;
        } else if (e != null) {
            throw new JparException("codec failed: " + e, e);
        }
        @SuppressWarnings("unchecked")
        T value = (T) result.get();
        return value;
    }

    // ---- values without shared references

    private static final Set<Class<?>> LEAVES = Set.of(String.class, Integer.class, Long.class, Double.class,
            Float.class, Short.class, Byte.class, Character.class, Boolean.class, BigInteger.class,
            BigDecimal.class);
    private static final Set<Class<?>> COLLECTIONS = Set.of(ArrayList.class, LinkedList.class, ArrayDeque.class,
            HashSet.class, LinkedHashSet.class, List.of().getClass(), List.of(1).getClass(), Set.of().getClass(),
            Set.of(1).getClass());
    private static final Set<Class<?>> MAPS = Set.of(HashMap.class, LinkedHashMap.class, Map.of().getClass(),
            Map.of(1, 1).getClass());

    /**
     * @return how deep {@code value} nests if it is a tree of JDK containers over immutable leaves (no container or
     *         array twice, so no identity to keep), else -1. Iterative: any depth, no recursion.
     */
    static int plainDepth(Object value) {
        if (value == null || isLeaf(value)) {
            return 0;
        }
        Class<?> root = value.getClass();
        if (!root.isArray() && !COLLECTIONS.contains(root) && !MAPS.contains(root)) {
            return -1; // the common case, decided without allocating
        }
        IdentityHashMap<Object, Boolean> seen = new IdentityHashMap<>();
        ArrayDeque<Object> todo = new ArrayDeque<>();
        ArrayDeque<Integer> depths = new ArrayDeque<>();
        todo.push(value);
        depths.push(1);
        int max = 0;
        while (!todo.isEmpty()) {
            Object o = todo.pop();
            int d = depths.pop();
            if (seen.put(o, Boolean.TRUE) != null) {
                return -1;
            }
            max = Math.max(max, d);
            Class<?> c = o.getClass();
            if (c.isArray()) {
                if (c.getComponentType().isPrimitive()) {
                    continue;
                }
                for (Object e : (Object[]) o) {
                    if (!visit(e, d + 1, todo, depths)) {
                        return -1;
                    }
                }
            } else if (COLLECTIONS.contains(c)) {
                for (Object e : (Collection<?>) o) {
                    if (!visit(e, d + 1, todo, depths)) {
                        return -1;
                    }
                }
            } else if (MAPS.contains(c)) {
                for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) {
                    if (!visit(e.getKey(), d + 1, todo, depths) || !visit(e.getValue(), d + 1, todo, depths)) {
                        return -1;
                    }
                }
            } else {
                return -1;
            }
        }
        return max;
    }

    private static boolean visit(Object e, int depth, ArrayDeque<Object> todo, ArrayDeque<Integer> depths) {
        if (e == null || isLeaf(e)) {
            return true;
        }
        Class<?> c = e.getClass();
        if (c.isArray() || COLLECTIONS.contains(c) || MAPS.contains(c)) {
            todo.push(e);
            depths.push(depth);
            return true;
        }
        return false;
    }

    private static boolean isLeaf(Object o) {
        Class<?> c = o.getClass();
        return c == Integer.class || c == String.class || c == Double.class || c == Long.class
                || LEAVES.contains(c) || o instanceof Enum<?>;
    }

    // ---- allow-list

    /** {@code -Djpar.codec.allow}: class names and {@code package.*} prefixes, plus jpar's JDK base set. */
    static final class AllowList {
        private static final String[] BASE = {"java.lang.", "java.util.", "java.math.", "java.time.", "[", "org.jpar."};
        private final List<String> prefixes;
        private final Set<String> names;
        private final String spec;

        private AllowList(List<String> prefixes, Set<String> names, String spec) {
            this.prefixes = prefixes;
            this.names = names;
            this.spec = spec;
        }

        static AllowList parse(String spec) {
            if (spec == null || spec.isBlank()) {
                return new AllowList(null, null, "(unset)");
            }
            List<String> prefixes = new ArrayList<>(List.of(BASE));
            Set<String> names = new HashSet<>();
            for (String s : spec.split(",")) {
                s = s.strip();
                if (s.endsWith(".*")) {
                    prefixes.add(s.substring(0, s.length() - 1));
                } else if (!s.isEmpty()) {
                    names.add(s);
                }
            }
            return new AllowList(prefixes, names, spec);
        }

        boolean configured() {
            return prefixes != null;
        }

        boolean allows(String className) {
            if (prefixes == null) {
                return true;
            }
            String n = className;
            while (n.startsWith("[")) {
                n = n.substring(1);
            }
            if (n.startsWith("L") && n.endsWith(";")) {
                n = n.substring(1, n.length() - 1);
            }
            if (n.length() <= 1 || names.contains(n)) {
                return true; // a primitive array descriptor, or named
            }
            for (String p : prefixes) {
                if (!p.equals("[") && n.startsWith(p)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            return spec;
        }
    }
}
