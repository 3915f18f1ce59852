package org.layerskip.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.layerskip.config.LlamaConfig;

import java.nio.FloatBuffer;

/**
 * Rotary position embedding (Su et al. 2021) in the Hugging Face "rotate half" convention: {@code
 * rope(x) = x * cos + rotate_half(x) * sin}, with {@code rotate_half([x1, x2]) = [-x2, x1]} and
 * {@code cos/sin = [cos(p * f), cos(p * f)]} over the {@code Dh / 2} inverse frequencies {@code f}
 * (scaled by {@code rope_scaling}). DJL has no RoPE, hence this class.
 *
 * <p>{@code rotate_half} is computed as one matrix product with a fixed signed permutation {@code R
 * (Dh, Dh)}: one native call instead of slice, negate and concatenate.
 *
 * <p>The tables are computed in Java in double precision for exactly the positions of a pass, so no
 * context-length-sized table is kept, and the attention scale {@code 1/sqrt(Dh)} is folded into the
 * query heads' tables.
 */
public final class Rope {

    private final double[] invFreq;
    private final int headDim;
    private final int numHeads;
    private final int numKvHeads;

    /**
     * Creates the rotary embedding of a model.
     *
     * @param config the model configuration
     */
    public Rope(LlamaConfig config) {
        this.headDim = config.headDim();
        this.numHeads = config.numHeads();
        this.numKvHeads = config.numKvHeads();
        this.invFreq = config.ropeScaling().inverseFrequencies(headDim, config.ropeTheta());
    }

    /**
     * Returns the inverse frequencies {@code (Dh / 2)}.
     *
     * @return a copy of the frequencies
     */
    public double[] inverseFrequencies() {
        return invFreq.clone();
    }

    /**
     * Builds the cos and sin tables for the query and key heads of one pass.
     *
     * @param manager where to create them
     * @param positions absolute positions, {@code [B][T]}
     * @param dataType the model's data type
     * @param owned clone into engine-owned memory (needed when autograd may keep the tables)
     * @return {@code [cos, sin]}, each {@code (B, T, H + K, Dh)}; query heads carry {@code
     *     1/sqrt(Dh)}
     */
    public NDArray[] tables(
            NDManager manager, long[][] positions, DataType dataType, boolean owned) {
        int b = positions.length;
        int t = positions[0].length;
        int heads = numHeads + numKvHeads;
        int half = headDim / 2;
        int n = b * t * heads * headDim;
        FloatBuffer cos = OwnedArrays.buffer(n);
        FloatBuffer sin = OwnedArrays.buffer(n);
        float[] c = new float[headDim];
        float[] s = new float[headDim];
        float[] cq = new float[headDim];
        float[] sq = new float[headDim];
        double scale = 1.0 / Math.sqrt(headDim);
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                double p = positions[i][j];
                for (int f = 0; f < half; f++) {
                    double a = p * invFreq[f];
                    c[f] = c[f + half] = (float) Math.cos(a);
                    s[f] = s[f + half] = (float) Math.sin(a);
                    cq[f] = cq[f + half] = (float) (Math.cos(a) * scale);
                    sq[f] = sq[f + half] = (float) (Math.sin(a) * scale);
                }
                for (int h = 0; h < heads; h++) {
                    cos.put(h < numHeads ? cq : c);
                    sin.put(h < numHeads ? sq : s);
                }
            }
        }
        cos.rewind();
        sin.rewind();
        Shape shape = new Shape(b, t, heads, headDim);
        NDArray cosA = OwnedArrays.floats(manager, cos, shape, owned);
        NDArray sinA = OwnedArrays.floats(manager, sin, shape, owned);
        if (dataType != DataType.FLOAT32) {
            cosA = cosA.toType(dataType, false);
            sinA = sinA.toType(dataType, false);
        }
        return new NDArray[] {cosA, sinA};
    }

    /**
     * Builds the rotate-half matrix {@code R} with {@code x @ R = rotate_half(x)}.
     *
     * @param manager where to create it
     * @param dataType the model's data type
     * @param owned clone into engine-owned memory (needed when autograd may keep it)
     * @return {@code (Dh, Dh)}
     */
    public NDArray rotateHalfMatrix(NDManager manager, DataType dataType, boolean owned) {
        int half = headDim / 2;
        float[] r = new float[headDim * headDim];
        for (int j = 0; j < half; j++) {
            r[(j + half) * headDim + j] = -1f; // out[j] = -x[j + half]
            r[j * headDim + j + half] = 1f; // out[j + half] = x[j]
        }
        FloatBuffer data = OwnedArrays.buffer(r.length);
        data.put(r).rewind();
        NDArray m = OwnedArrays.floats(manager, data, new Shape(headDim, headDim), owned);
        return dataType == DataType.FLOAT32 ? m : m.toType(dataType, false);
    }

    /**
     * Applies the rotation.
     *
     * @param x {@code (B, T, heads, Dh)}
     * @param cos {@code (B, T, heads, Dh)}
     * @param sin {@code (B, T, heads, Dh)}
     * @param rotateHalf {@code (Dh, Dh)} from {@link #rotateHalfMatrix}
     * @return the rotated {@code (B, T, heads, Dh)}
     */
    public static NDArray apply(NDArray x, NDArray cos, NDArray sin, NDArray rotateHalf) {
        return x.mul(cos).add(x.matMul(rotateHalf).mul(sin));
    }
}
