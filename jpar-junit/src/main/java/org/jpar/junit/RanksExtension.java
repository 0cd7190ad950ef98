package org.jpar.junit;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.jpar.Communicator;
import org.jpar.JparException;
import org.jpar.engine.threads.ThreadsEngine;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;
import org.junit.platform.commons.support.AnnotationSupport;

/** The extension behind {@link Ranks}: one invocation per size, each running the body on that many ranks. */
public final class RanksExtension implements TestTemplateInvocationContextProvider {
    @Override
    public boolean supportsTestTemplate(ExtensionContext context) {
        return AnnotationSupport.isAnnotated(context.getTestMethod(), Ranks.class);
    }

    @Override
    public Stream<TestTemplateInvocationContext> provideTestTemplateInvocationContexts(ExtensionContext context) {
        Ranks ranks = AnnotationSupport.findAnnotation(context.getRequiredTestMethod(), Ranks.class).orElseThrow();
        if (ranks.value().length == 0) {
            throw new JparException("@Ranks on " + context.getRequiredTestMethod().getName()
                    + " lists no sizes: give at least one, e.g. @Ranks(4) or @Ranks({1, 2, 4})");
        }
        boolean strict = ranks.strict() || ThreadsEngine.strictByDefault();
        return Arrays.stream(ranks.value()).mapToObj(n -> new RankInvocation(n, strict));
    }

    /** One size: names the invocation, resolves the Communicator parameter, and runs the body on the ranks. */
    private static final class RankInvocation implements TestTemplateInvocationContext, ParameterResolver,
            InvocationInterceptor {
        private final int size;
        private final boolean strict;

        RankInvocation(int size, boolean strict) {
            this.size = size;
            this.strict = strict;
        }

        @Override
        public String getDisplayName(int invocationIndex) {
            return size + (size == 1 ? " rank" : " ranks") + (strict ? ", strict" : "");
        }

        @Override
        public List<Extension> getAdditionalExtensions() {
            return List.of(this);
        }

        @Override
        public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
            return p.getParameter().getType() == Communicator.class;
        }

        @Override
        public Object resolveParameter(ParameterContext p, ExtensionContext e) {
            return null; // replaced by each rank's own communicator when the body runs
        }

        @Override
        public void interceptTestTemplateMethod(Invocation<Void> invocation,
                ReflectiveInvocationContext<Method> call, ExtensionContext context) {
            invocation.skip();
            Method method = call.getExecutable();
            Object target = call.getTarget().orElse(null);
            List<Object> args = call.getArguments();
            Class<?>[] types = method.getParameterTypes();
            method.setAccessible(true);
            ThreadsEngine.run(size, strict, world -> {
                List<Object> mine = new ArrayList<>(args);
                for (int i = 0; i < types.length; i++) {
                    if (types[i] == Communicator.class) {
                        mine.set(i, world);
                    }
                }
                try {
                    method.invoke(target, mine.toArray());
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
        }
    }
}
