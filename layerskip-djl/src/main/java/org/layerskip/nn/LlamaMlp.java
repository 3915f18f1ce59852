package org.layerskip.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import org.layerskip.config.LlamaConfig;

/**
 * The SwiGLU feed-forward network of Llama (Shazeer 2020): {@code down(silu(gate(x)) * up(x))}.
 *
 * <ul>
 *   <li>input: {@code (B, T, D)}
 *   <li>parameter {@code gateUp}: {@code (2F, D)}, Hugging Face {@code gate_proj} stacked over
 *       {@code up_proj} (one matrix product instead of two)
 *   <li>parameter {@code down}: {@code (D, F)}
 *   <li>output: {@code (B, T, D)}
 * </ul>
 */
public final class LlamaMlp extends AbstractBlock {

    private static final byte VERSION = 1;

    private final int intermediate;
    private final Parameter gateUp;
    private final Parameter down;

    LlamaMlp(LlamaConfig config) {
        super(VERSION);
        this.intermediate = config.intermediateSize();
        int d = config.hiddenSize();
        gateUp =
                addParameter(
                        Parameter.builder()
                                .setName("gateUp")
                                .setType(Parameter.Type.WEIGHT)
                                .optShape(new Shape(2L * intermediate, d))
                                .build());
        down =
                addParameter(
                        Parameter.builder()
                                .setName("down")
                                .setType(Parameter.Type.WEIGHT)
                                .optShape(new Shape(d, intermediate))
                                .build());
    }

    /**
     * Returns the stacked gate/up projection {@code (2F, D)}.
     *
     * @return the parameter
     */
    public Parameter getGateUp() {
        return gateUp;
    }

    /**
     * Returns the down projection {@code (D, F)}.
     *
     * @return the parameter
     */
    public Parameter getDown() {
        return down;
    }

    /**
     * Applies the MLP.
     *
     * @param ps the parameter store
     * @param x {@code (B, T, D)} (already normalised)
     * @param training whether gradients are recorded
     * @return {@code (B, T, D)}
     */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray wGateUp = ps.getValue(gateUp, x.getDevice(), training);
        NDArray wDown = ps.getValue(down, x.getDevice(), training);
        NDList gu =
                Linear.linear(x, wGateUp).singletonOrThrow().split(new long[] {intermediate}, 2);
        NDArray gate = gu.get(0); // (B, T, F)
        NDArray act = gate.mul(Activation.sigmoid(gate)); // silu
        return Linear.linear(act.mul(gu.get(1)), wDown).singletonOrThrow();
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
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
