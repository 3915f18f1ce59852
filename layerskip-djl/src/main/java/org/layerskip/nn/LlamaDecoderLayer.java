package org.layerskip.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import org.layerskip.config.LlamaConfig;

/**
 * One pre-norm Llama decoder layer: {@code h = x + attn(norm1(x)); out = h + mlp(norm2(h))}.
 *
 * <ul>
 *   <li>input: {@code (B, T, D)} plus an {@link LayerInputs}
 *   <li>output: {@code (B, T, D)}
 * </ul>
 */
public final class LlamaDecoderLayer extends AbstractBlock {

    private static final byte VERSION = 1;

    private final RmsNorm inputNorm;
    private final LlamaAttention attention;
    private final RmsNorm postAttentionNorm;
    private final LlamaMlp mlp;
    private final int hiddenSize;

    LlamaDecoderLayer(LlamaConfig config) {
        super(VERSION);
        float eps = (float) config.rmsNormEps();
        hiddenSize = config.hiddenSize();
        inputNorm = addChildBlock("inputNorm", new RmsNorm(hiddenSize, eps));
        attention = addChildBlock("attention", new LlamaAttention(config));
        postAttentionNorm = addChildBlock("postAttentionNorm", new RmsNorm(hiddenSize, eps));
        mlp = addChildBlock("mlp", new LlamaMlp(config));
    }

    /**
     * Runs the layer on the new tokens of a pass: tensors in, tensors out. With a cache, writes the
     * tokens' keys/values into {@code keys}/{@code values} at the pass's write slots.
     *
     * @param ps the parameter store
     * @param x {@code (b, T, D)}
     * @param in the pass inputs of this layer's attention group
     * @param keys this layer's key buffer {@code (B, K, C, Dh)} (mutated), or null without a cache
     * @param values this layer's value buffer (mutated), or null
     * @param training whether gradients are recorded
     * @return {@code (b, T, D)}
     */
    public NDArray forward(
            ParameterStore ps,
            NDArray x,
            LayerInputs in,
            NDArray keys,
            NDArray values,
            boolean training) {
        NDArray a =
                attention.forward(
                        ps, inputNorm.forward(ps, x, training), in, keys, values, training);
        NDArray h = x.add(a);
        return h.add(mlp.forward(ps, postAttentionNorm.forward(ps, h, training), training));
    }

    /**
     * Runs the layer without a cache (training and evaluation).
     *
     * @param ps the parameter store
     * @param x {@code (B, T, D)}
     * @param in cache-free inputs from {@link LlamaModel#trainingContext}
     * @param training whether gradients are recorded
     * @return {@code (B, T, D)}
     */
    public NDArray forward(ParameterStore ps, NDArray x, LayerInputs in, boolean training) {
        return forward(ps, x, in, null, null, training);
    }

    /**
     * Returns the attention block.
     *
     * @return attention
     */
    public LlamaAttention getAttention() {
        return attention;
    }

    /**
     * Returns the MLP block.
     *
     * @return the MLP
     */
    public LlamaMlp getMlp() {
        return mlp;
    }

    /**
     * Returns the norm before attention ({@code input_layernorm}).
     *
     * @return the norm
     */
    public RmsNorm getInputNorm() {
        return inputNorm;
    }

    /**
     * Returns the norm before the MLP ({@code post_attention_layernorm}).
     *
     * @return the norm
     */
    public RmsNorm getPostAttentionNorm() {
        return postAttentionNorm;
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException(
                "LlamaDecoderLayer needs LayerInputs; run it through LlamaModel");
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(
            ai.djl.ndarray.NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape hidden = new Shape(-1, hiddenSize);
        inputNorm.initialize(manager, dataType, hidden);
        attention.initialize(manager, dataType, hidden);
        postAttentionNorm.initialize(manager, dataType, hidden);
        mlp.initialize(manager, dataType, hidden);
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
