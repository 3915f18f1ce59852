package org.layerskip.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Root-mean-square layer normalisation (Zhang &amp; Sennrich 2019), as used by Llama: {@code y = x
 * / sqrt(mean(x^2) + eps) * w}. DJL has no RMSNorm, hence this block.
 *
 * <ul>
 *   <li>input: {@code (..., D)}
 *   <li>parameter {@code weight}: {@code (D)}
 *   <li>output: {@code (..., D)}
 * </ul>
 */
public final class RmsNorm extends AbstractBlock {

    private static final byte VERSION = 1;

    private final float eps;
    private final Parameter weight;

    /**
     * Creates a norm over the last axis.
     *
     * @param dim D
     * @param eps the epsilon inside the square root
     */
    public RmsNorm(int dim, float eps) {
        super(VERSION);
        this.eps = eps;
        weight =
                addParameter(
                        Parameter.builder()
                                .setName("weight")
                                .setType(Parameter.Type.GAMMA)
                                .optShape(new Shape(dim))
                                .build());
    }

    /**
     * The functional form of the block.
     *
     * @param x input {@code (..., D)}
     * @param w weight {@code (D)}
     * @param eps epsilon
     * @return the normalised {@code (..., D)}
     */
    public static NDArray rmsNorm(NDArray x, NDArray w, float eps) {
        // Out-of-place ops only: this function is also differentiated in training. The scalars
        // are arrays of x's manager, not Numbers: DJL's add(Number)/pow(Number) wrap a Number in
        // a tensor over a direct Java buffer and close it at once, but autograd keeps pow's
        // exponent for the backward pass, and once the GC frees that buffer the gradients read
        // freed memory (sporadic wrong or NaN gradients). Same ops, so the same results.
        NDManager m = x.getManager();
        NDArray inv = x.square().mean(new int[] {-1}, true).add(m.create(eps)).pow(m.create(-0.5f));
        return x.mul(inv).mul(w); // inv: (..., 1)
    }

    /**
     * Returns the weight parameter {@code (D)}.
     *
     * @return the parameter
     */
    public Parameter getWeight() {
        return weight;
    }

    /**
     * Returns epsilon.
     *
     * @return eps
     */
    public float getEps() {
        return eps;
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        return new NDList(rmsNorm(x, ps.getValue(weight, x.getDevice(), training), eps));
    }

    /**
     * Normalises one array with the stored weight.
     *
     * @param ps the parameter store
     * @param x input {@code (..., D)}
     * @param training whether gradients are recorded
     * @return output {@code (..., D)}
     */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return rmsNorm(x, ps.getValue(weight, x.getDevice(), training), eps);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes, DataType[] dataTypes) {
        return getOutputShapes(inputShapes);
    }
}
