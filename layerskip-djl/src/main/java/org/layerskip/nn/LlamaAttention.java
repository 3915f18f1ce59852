package org.layerskip.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import org.layerskip.config.LlamaConfig;

/**
 * Grouped-query self-attention with rotary embeddings and a KV cache, as in Llama 2/3.
 *
 * <ul>
 *   <li>input: hidden {@code (B, T, D)} plus the pass's {@link LayerInputs}
 *   <li>parameter {@code qkv}: {@code ((H + 2K) * Dh, D)}, the Hugging Face q, k and v projections
 *       stacked row-wise (one matrix product instead of three)
 *   <li>parameter {@code o}: {@code (D, H * Dh)}, Hugging Face {@code o_proj}
 *   <li>output: {@code (B, T, D)}
 * </ul>
 *
 * Query head {@code h} reads key/value head {@code h / G}, as Hugging Face's {@code repeat_kv}. The
 * group is folded into the query length ({@code (B, K, G * T, Dh)}) so cached keys are never
 * copied.
 */
public final class LlamaAttention extends AbstractBlock {

    private static final byte VERSION = 1;

    private final int numHeads;
    private final int numKvHeads;
    private final int headDim;
    private final Parameter qkv;
    private final Parameter o;

    LlamaAttention(LlamaConfig config) {
        super(VERSION);
        this.numHeads = config.numHeads();
        this.numKvHeads = config.numKvHeads();
        this.headDim = config.headDim();
        int d = config.hiddenSize();
        qkv =
                addParameter(
                        Parameter.builder()
                                .setName("qkv")
                                .setType(Parameter.Type.WEIGHT)
                                .optShape(
                                        new Shape((long) (numHeads + 2 * numKvHeads) * headDim, d))
                                .build());
        o =
                addParameter(
                        Parameter.builder()
                                .setName("o")
                                .setType(Parameter.Type.WEIGHT)
                                .optShape(new Shape(d, (long) numHeads * headDim))
                                .build());
    }

    /**
     * Returns the stacked q/k/v projection {@code ((H + 2K) * Dh, D)}.
     *
     * @return the parameter
     */
    public Parameter getQkv() {
        return qkv;
    }

    /**
     * Returns the output projection {@code (D, H * Dh)}.
     *
     * @return the parameter
     */
    public Parameter getO() {
        return o;
    }

    /**
     * Runs attention for the new tokens of a pass. With a cache, the new keys and values are first
     * written into {@code keys}/{@code values} (mutated) at {@code in.writeSlots()} — one index
     * write each, whatever the cache layout — and attention then reads the first {@code
     * in.readLength()} slots; without one ({@code keys == null}) it attends over the new tokens
     * only.
     *
     * @param ps the parameter store
     * @param x hidden states {@code (b, T, D)} (already normalised)
     * @param in the pass inputs of this layer's attention group
     * @param keys this layer's whole key buffer {@code (B, K, C, Dh)}, or null without a cache
     * @param values this layer's whole value buffer {@code (B, K, C, Dh)}, or null
     * @param training whether gradients are recorded
     * @return {@code (b, T, D)}
     */
    @SuppressWarnings("LocalVariableName")
    public NDArray forward(
            ParameterStore ps,
            NDArray x,
            LayerInputs in,
            NDArray keys,
            NDArray values,
            boolean training) {
        Shape xs = x.getShape();
        long B = xs.get(0);
        long T = xs.get(1);
        int H = numHeads;
        int K = numKvHeads;
        NDArray wQkv = ps.getValue(qkv, x.getDevice(), training);
        NDArray wO = ps.getValue(o, x.getDevice(), training);

        NDArray proj = // (b, T, H+2K, Dh)
                Linear.linear(x, wQkv).singletonOrThrow().reshape(B, T, H + 2L * K, headDim);
        NDList qkAndV = proj.split(new long[] {H + K}, 2);
        NDArray qk = Rope.apply(qkAndV.get(0), in.cos(), in.sin(), in.rotateHalf());
        NDList qAndK = qk.split(new long[] {H}, 2);
        NDArray q = qAndK.get(0); // (b, T, H, Dh), pre-scaled by 1/sqrt(Dh)
        NDArray k = qAndK.get(1); // (b, T, K, Dh)
        NDArray v = qkAndV.get(1); // (b, T, K, Dh)

        NDArray out;
        if (keys != null) {
            // keys[rows, :, slots] = k: advanced indices around a full slice give (b, T, K, Dh)
            NDIndex at = new NDIndex("{}, :, {}", in.writeRows(), in.writeSlots());
            keys.set(at, k);
            values.set(at, v);
            NDArray kr = in.readRows() == null ? keys : keys.get(new NDIndex("{}", in.readRows()));
            NDArray vr =
                    in.readRows() == null ? values : values.get(new NDIndex("{}", in.readRows()));
            int s = in.readLength();
            if (s < kr.getShape().get(2)) {
                kr = kr.get(NDIndex.sliceAxis(2, 0, s));
                vr = vr.get(NDIndex.sliceAxis(2, 0, s));
            }
            out = attend(q, kr, vr, in.bias());
        } else if (in.block() > 0) {
            // Disjoint blocks: fold them into the batch, dense (b x b) causal attention each.
            long blk = in.block();
            long nb = T / blk;
            NDArray qb = q.reshape(B * nb, blk, H, headDim);
            NDArray kb = k.reshape(B * nb, blk, K, headDim).swapAxes(1, 2);
            NDArray vb = v.reshape(B * nb, blk, K, headDim).swapAxes(1, 2);
            out = attend(qb, kb, vb, in.bias()).reshape(B, T, (long) H * headDim);
        } else {
            out = attend(q, k.swapAxes(1, 2), v.swapAxes(1, 2), in.bias());
        }
        return Linear.linear(out, wO).singletonOrThrow(); // (b, T, D)
    }

    /**
     * Scaled dot-product attention with grouped heads.
     *
     * @param q queries {@code (B, T, H, Dh)}, already scaled
     * @param keys {@code (B, K, S, Dh)}
     * @param values {@code (B, K, S, Dh)}
     * @param bias {@code (B or 1, 1, G*T, S)} or null
     * @return {@code (B, T, H * Dh)}
     */
    @SuppressWarnings("LocalVariableName")
    private NDArray attend(NDArray q, NDArray keys, NDArray values, NDArray bias) {
        Shape qs = q.getShape();
        long B = qs.get(0);
        long T = qs.get(1);
        int H = numHeads;
        int K = numKvHeads;
        int G = H / K;
        NDArray qg;
        if (T == 1) {
            qg = q.reshape(B, K, G, headDim); // (B, K, G*T, Dh) since T = 1
        } else {
            qg =
                    q.reshape(B, T, K, G, headDim)
                            .transpose(0, 2, 3, 1, 4)
                            .reshape(B, K, G * T, headDim); // (B, K, G*T, Dh)
        }
        NDArray scores = qg.matMul(keys.swapAxes(2, 3)); // (B, K, G*T, S)
        if (bias != null) {
            scores = scores.add(bias);
        }
        NDArray out = scores.softmax(-1).matMul(values); // (B, K, G*T, Dh)
        if (T == 1) {
            return out.reshape(B, 1, (long) H * headDim);
        }
        return out.reshape(B, K, G, T, headDim)
                .transpose(0, 3, 1, 2, 4)
                .reshape(B, T, (long) H * headDim); // (B, T, H*Dh)
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException(
                "LlamaAttention needs LayerInputs; run it through LlamaModel");
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
