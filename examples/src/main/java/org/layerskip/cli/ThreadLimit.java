package org.layerskip.cli;

/**
 * The bound on {@code --threads}: at least 1, at most the processors this JVM may use. More
 * intra-op threads than cores only make LibTorch's threads wait for each other (1,000 ran 15x
 * slower), and absurd counts make the OpenMP runtime abort while allocating its thread pool.
 */
final class ThreadLimit {

    private ThreadLimit() {}

    /**
     * Checks a {@code --threads} value.
     *
     * @param threads the value, or null when not given
     * @return an error message, or null
     */
    static String check(Integer threads) {
        if (threads == null) {
            return null;
        }
        int max = Runtime.getRuntime().availableProcessors();
        if (threads < 1 || threads > max) {
            return "--threads must be in [1, "
                    + max
                    + "] (the processors available to this JVM), got "
                    + threads;
        }
        return null;
    }
}
