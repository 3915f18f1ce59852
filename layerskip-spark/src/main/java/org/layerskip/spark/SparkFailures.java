package org.layerskip.spark;

import org.apache.spark.SparkException;

/**
 * Turns a failed Spark job into the one line a person needs. Spark reports a task failure as {@code
 * Job aborted due to stage failure: Task 1 in stage 2.0 failed 2 times, most recent failure: ...}
 * followed by a stack trace; the exception thrown on the executor travels along as the cause, and
 * its message is what matters.
 */
public final class SparkFailures {

    private SparkFailures() {}

    /**
     * Describes a failure in one line.
     *
     * @param t what a Spark action threw
     * @return the message of the executor's {@link ModelUnavailableException} or {@link
     *     IllegalArgumentException} when there is one, else of the innermost cause
     */
    public static String describe(Throwable t) {
        Throwable innermost = t;
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ModelUnavailableException || c instanceof IllegalArgumentException) {
                return ModelFolders.firstLine(c);
            }
            innermost = c;
            if (c.getCause() == c) {
                break;
            }
        }
        if (innermost instanceof SparkException) {
            return ModelFolders.firstLine(innermost);
        }
        return innermost.getClass().getSimpleName() + ": " + ModelFolders.firstLine(innermost);
    }
}
