package org.layerskip.train;

/** Argument checks shared by the curricula and the training config (package-private, not API). */
final class Checks {

    private Checks() {}

    /**
     * Rejects a negative step.
     *
     * @param step the 0-based global step
     */
    static void checkStep(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
    }

    /**
     * Rejects L &lt; 1.
     *
     * @param numLayers L
     */
    static void checkNumLayers(int numLayers) {
        if (numLayers < 1) {
            throw new IllegalArgumentException("numLayers (L) must be >= 1, got " + numLayers);
        }
    }

    /**
     * Rejects a value that breaks a rule.
     *
     * @param ok whether the rule holds
     * @param message the error message
     */
    static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
