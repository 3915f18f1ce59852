package org.layerskip.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import org.testng.Assert;

import java.util.List;

/**
 * The assertions every module's tests share (published as the {@code tests} jar of {@code
 * layerskip-djl}, which holds only this package): numeric closeness of arrays and the project's
 * rule that a failure is one clear line.
 */
public final class Assertions {

    private Assertions() {}

    /**
     * Asserts equal shapes and a largest absolute difference of at most {@code tol} (computed in
     * float64, whatever the arrays' type).
     *
     * @param actual the array computed
     * @param expected the reference
     * @param tol the tolerance
     */
    public static void assertClose(NDArray actual, NDArray expected, double tol) {
        Assert.assertEquals(actual.getShape(), expected.getShape());
        double diff =
                actual.toType(DataType.FLOAT64, false)
                        .sub(expected.toType(DataType.FLOAT64, false))
                        .abs()
                        .max()
                        .getDouble();
        Assert.assertTrue(diff <= tol, "max abs diff " + diff + " > " + tol);
    }

    /**
     * Asserts that an exception's message is one line that contains every part.
     *
     * @param e the exception
     * @param parts fragments the message must contain
     */
    public static void assertOneLineMessage(Throwable e, String... parts) {
        String m = e.getMessage();
        Assert.assertNotNull(m, e.toString());
        Assert.assertFalse(m.contains("\n"), "one-line message: " + m);
        for (String part : parts) {
            Assert.assertTrue(m.contains(part), "'" + part + "' not in: " + m);
        }
    }

    /**
     * Asserts that running {@code call} throws {@code type} with a one-line message containing
     * every part.
     *
     * @param type the exception type
     * @param call the code
     * @param parts fragments the message must contain
     * @param <T> the exception type
     * @return the exception
     */
    public static <T extends Throwable> T expectOneLine(
            Class<T> type, Assert.ThrowingRunnable call, String... parts) {
        T e = Assert.expectThrows(type, call);
        assertOneLineMessage(e, parts);
        return e;
    }

    /**
     * Asserts that a command line tool's standard error is exactly one {@code error: } line that
     * contains every part.
     *
     * @param stderr what the tool wrote to standard error
     * @param parts fragments the line must contain
     */
    public static void assertOneErrorLine(String stderr, String... parts) {
        List<String> lines = stderr.lines().toList();
        Assert.assertEquals(lines.size(), 1, stderr);
        Assert.assertTrue(lines.get(0).startsWith("error: "), lines.get(0));
        for (String part : parts) {
            Assert.assertTrue(
                    lines.get(0).contains(part), "'" + part + "' not in: " + lines.get(0));
        }
    }
}
