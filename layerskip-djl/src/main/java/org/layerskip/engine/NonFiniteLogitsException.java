package org.layerskip.engine;

/**
 * The model produced NaN or infinite logits, so no token can be chosen honestly (argmax of NaN
 * logits would silently be token 0). The usual cause is non-finite weights (a damaged checkpoint)
 * or F16 weights whose activations overflow.
 */
public final class NonFiniteLogitsException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param where what was being computed
     */
    public NonFiniteLogitsException(String where) {
        super(
                "the model produced non-finite logits ("
                        + where
                        + "): its weights likely contain NaN/Inf, or F16 activations overflow "
                        + "(try --dtype float32)");
    }
}
