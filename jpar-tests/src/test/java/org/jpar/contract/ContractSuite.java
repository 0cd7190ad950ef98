package org.jpar.contract;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.jpar.Communicator;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the contract on one engine at every size of {@code -Djpar.test.sizes} (default 1,2,3,4). An engine's test is
 * a small subclass that says how to run contract methods on {@code size} ranks.
 */
public abstract class ContractSuite {
    /** The contract classes, each with a public no-arg constructor and {@link Contract} methods. */
    public static final List<Class<?>> CONTRACTS = List.of(PointToPointContract.class,
            CollectiveSemanticsContract.class, ProgressContract.class, ObjectShapesContract.class,
            LayerChannelContract.class, CommunicatorContract.class, ArrayCollectivesContract.class,
            ObjectCollectivesContract.class);

    /**
     * Runs {@code methods} in order on {@code size} ranks of this engine: every rank calls each method with its world
     * communicator. Throws (with the failing rank's error) if any rank fails.
     */
    protected abstract void run(int size, List<Method> methods) throws Exception;

    /** @return true to run each size's methods in one job (engines with an expensive start), false for one each */
    protected boolean oneJobPerSize() {
        return false;
    }

    @TestFactory
    Stream<DynamicNode> contract() {
        List<DynamicNode> nodes = new ArrayList<>();
        for (int size : sizes()) {
            List<Method> methods = methods();
            if (oneJobPerSize()) {
                nodes.add(DynamicTest.dynamicTest(size + " ranks: " + methods.size() + " contract tests",
                        () -> run(size, methods)));
            } else {
                List<DynamicNode> tests = new ArrayList<>();
                for (Method m : methods) {
                    tests.add(DynamicTest.dynamicTest(m.getName(), () -> run(size, List.of(m))));
                }
                nodes.add(DynamicContainer.dynamicContainer(size + " ranks", tests));
            }
        }
        return nodes.stream();
    }

    /** @return the sizes to test at */
    public static int[] sizes() {
        return Arrays.stream(System.getProperty("jpar.test.sizes", "1,2,3,4").split(","))
                .map(String::trim).mapToInt(Integer::parseInt).toArray();
    }

    /**
     * @return every contract method, in a stable order; {@code -Djpar.test.contracts=CommunicatorContract,...} keeps
     *         those of the named classes (for a targeted run)
     */
    public static List<Method> methods() {
        List<Method> all = new ArrayList<>();
        String only = System.getProperty("jpar.test.contracts", "");
        for (Class<?> c : CONTRACTS) {
            if (!only.isBlank() && !Arrays.asList(only.split(",")).contains(c.getSimpleName())) {
                continue;
            }
            Arrays.stream(c.getMethods()).filter(m -> m.isAnnotationPresent(Contract.class))
                    .sorted(Comparator.comparing(Method::getName)).forEach(all::add);
        }
        return all;
    }

    /** Calls {@code m} on a fresh instance of its class with {@code world}, unwrapping the method's own failure. */
    public static void invoke(Method m, Communicator world) throws Throwable {
        try {
            m.invoke(m.getDeclaringClass().getConstructor().newInstance(), world);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
