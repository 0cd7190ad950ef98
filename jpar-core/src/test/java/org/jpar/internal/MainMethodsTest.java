package org.jpar.internal;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;

import org.jpar.JparException;
import org.junit.jupiter.api.Test;

/** How a program's main class that cannot be used is reported: one message saying what to do. */
class MainMethodsTest {
    /** A program compiled for a newer Java than the one running jpar (before: a raw UnsupportedClassVersionError). */
    @Test
    void aMainClassCompiledForANewerJavaSaysWhichJavaToUse() throws IOException {
        byte[] bytes;
        try (InputStream in = MainMethodsTest.class.getResourceAsStream("MainMethodsTest$Program.class")) {
            bytes = in.readAllBytes();
        }
        bytes[6] = 0; // the class file's major version (bytes 6 and 7): 99, newer than any Java here
        bytes[7] = 99;
        byte[] patched = bytes;
        ClassLoader loader = new ClassLoader(null) {
            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                if (name.equals(Program.class.getName())) {
                    return defineClass(name, patched, 0, patched.length);
                }
                throw new ClassNotFoundException(name);
            }
        };
        assertThatThrownBy(() -> MainMethods.find(loader, Program.class.getName()))
                .isInstanceOf(JparException.class)
                .hasMessageStartingWith("main class " + Program.class.getName() + " (or a class it needs) was compiled "
                        + "for a newer Java than this one, " + Runtime.version().feature() + ": run jpar on that Java "
                        + "(JAVA_HOME), or compile with --release " + Runtime.version().feature());
    }

    /** A program's main class, loaded with a patched class file version. */
    static final class Program {
        public static void main(String[] args) {
        }
    }
}
