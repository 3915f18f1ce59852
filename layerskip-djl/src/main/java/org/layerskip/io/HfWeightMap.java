package org.layerskip.io;

import ai.djl.nn.Parameter;

import org.layerskip.config.LlamaConfig;
import org.layerskip.nn.LlamaAttention;
import org.layerskip.nn.LlamaDecoderLayer;
import org.layerskip.nn.LlamaMlp;
import org.layerskip.nn.LlamaModel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The one table between Hugging Face tensor names and this project's parameters. Fused parameters
 * (q/k/v, gate/up) are described as row ranges, so the same table drives loading and saving.
 */
final class HfWeightMap {

    /**
     * One Hugging Face tensor: where its rows live in which parameter.
     *
     * @param hfName the Hugging Face name
     * @param parameter the block parameter
     * @param rowStart first row of the tensor inside the parameter
     * @param shape the Hugging Face shape
     */
    record Entry(String hfName, Parameter parameter, long rowStart, long[] shape) {

        long rows() {
            return shape[0];
        }

        boolean wholeParameter() {
            return rowStart == 0 && parameter.getArray().getShape().get(0) == shape[0];
        }
    }

    private HfWeightMap() {}

    /** Tensors that some published checkpoints carry and that carry no weights (buffers). */
    static boolean isIgnorable(String name) {
        return name.endsWith(".rotary_emb.inv_freq");
    }

    static List<Entry> entries(LlamaModel model) {
        LlamaConfig c = model.getConfig();
        long d = c.hiddenSize();
        long q = (long) c.numHeads() * c.headDim();
        long kv = (long) c.numKvHeads() * c.headDim();
        long f = c.intermediateSize();
        List<Entry> out = new ArrayList<>();
        out.add(
                new Entry(
                        "model.embed_tokens.weight",
                        model.getEmbedding(),
                        0,
                        new long[] {c.vocabSize(), d}));
        for (int i = 0; i < model.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            LlamaDecoderLayer layer = model.getLayer(i);
            LlamaAttention a = layer.getAttention();
            LlamaMlp m = layer.getMlp();
            out.add(
                    new Entry(
                            p + "input_layernorm.weight",
                            layer.getInputNorm().getWeight(),
                            0,
                            new long[] {d}));
            out.add(new Entry(p + "self_attn.q_proj.weight", a.getQkv(), 0, new long[] {q, d}));
            out.add(new Entry(p + "self_attn.k_proj.weight", a.getQkv(), q, new long[] {kv, d}));
            out.add(
                    new Entry(
                            p + "self_attn.v_proj.weight", a.getQkv(), q + kv, new long[] {kv, d}));
            out.add(new Entry(p + "self_attn.o_proj.weight", a.getO(), 0, new long[] {d, q}));
            out.add(
                    new Entry(
                            p + "post_attention_layernorm.weight",
                            layer.getPostAttentionNorm().getWeight(),
                            0,
                            new long[] {d}));
            out.add(new Entry(p + "mlp.gate_proj.weight", m.getGateUp(), 0, new long[] {f, d}));
            out.add(new Entry(p + "mlp.up_proj.weight", m.getGateUp(), f, new long[] {f, d}));
            out.add(new Entry(p + "mlp.down_proj.weight", m.getDown(), 0, new long[] {d, f}));
        }
        out.add(new Entry("model.norm.weight", model.getNorm().getWeight(), 0, new long[] {d}));
        if (!c.tieWordEmbeddings()) {
            out.add(
                    new Entry(
                            "lm_head.weight", model.getLmHead(), 0, new long[] {c.vocabSize(), d}));
        }
        return Collections.unmodifiableList(out);
    }
}
