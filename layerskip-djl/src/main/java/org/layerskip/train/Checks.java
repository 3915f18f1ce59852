package org.layerskip.train;

/** Argument checks shared by the curricula (package-private, not API). */
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
}
