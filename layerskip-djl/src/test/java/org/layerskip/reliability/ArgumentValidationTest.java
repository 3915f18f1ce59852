package org.layerskip.reliability;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;

import org.layerskip.cache.DecoderState;
import org.layerskip.cache.KvCache;
import org.layerskip.cache.PassPlan;
import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.Generator;
import org.layerskip.io.HfLlama;
import org.layerskip.io.SafetensorsDtype;
import org.layerskip.io.SafetensorsWriter;
import org.layerskip.nn.LlamaModel;
import org.layerskip.nn.TinyModels;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Every public entry point rejects bad arguments with one {@link IllegalArgumentException} whose
 * message names the problem, before anything reaches the native engine. Table-driven: each row is a
 * call and a fragment of the expected message.
 */
public class ArgumentValidationTest {

    /** A call that must be rejected. */
    interface Call {
        void run() throws Exception;
    }

    private NDManager manager;
    private LlamaModel model; // tiny: V = 97, L = 4, D = 32, context 256
    private Generator generator;
    private ParameterStore ps;
    private DecoderState state;

    @BeforeClass
    public void setUp() {
        manager = NDManager.newBaseManager();
        model = TinyModels.random(manager, TinyModels.config(4, false), 5);
        generator = new Generator(model);
        ps = new ParameterStore(manager, false);
        state = model.newState(manager, 1, 16);
    }

    @AfterClass(alwaysRun = true)
    public void tearDown() {
        state.close();
        manager.close();
    }

    private static GenerationOptions.Builder opts() {
        return GenerationOptions.builder().optMaxNewTokens(4);
    }

    private NDArray ids(long... v) {
        return manager.create(v, new Shape(1, v.length));
    }

    @DataProvider(name = "calls")
    public Object[][] calls() {
        long[] ok = {1, 5, 9};
        GenerationOptions greedy = opts().build();
        NDArray hidden = manager.zeros(new Shape(1, 2, 32));
        return new Object[][] {
            // GenerationOptions.Builder
            {"maxNewTokens 0", (Call) () -> opts().optMaxNewTokens(0).build(), "max-new-tokens"},
            {
                "exit -1",
                (Call) () -> opts().optExitLayer(-1).build(),
                "exit-layer must be >= 1 (or 0 for the model's default)"
            },
            {
                "d -1",
                (Call) () -> opts().optNumSpeculations(-1).build(),
                "num-speculations must be >= 1 (or 0 for the model's default)"
            },
            {
                "temperature NaN",
                (Call) () -> opts().optTemperature(Double.NaN).build(),
                "temperature"
            },
            {"temperature -1", (Call) () -> opts().optTemperature(-1).build(), "temperature"},
            {
                "temperature inf",
                (Call) () -> opts().optTemperature(Double.POSITIVE_INFINITY).build(),
                "temperature"
            },
            {"top-k -1", (Call) () -> opts().optTopK(-1).build(), "top-k"},
            {"top-p 0", (Call) () -> opts().optTopP(0).build(), "top-p"},
            {"top-p 1.5", (Call) () -> opts().optTopP(1.5).build(), "top-p"},
            {"top-p NaN", (Call) () -> opts().optTopP(Double.NaN).build(), "top-p"},
            {"threshold 1", (Call) () -> opts().optConfidenceThreshold(1).build(), "confidence"},
            {"strategy null", (Call) () -> opts().optStrategy(null).build(), "strategy"},
            {
                "eos null element",
                (Call) () -> opts().optEosTokenIds(Arrays.asList(1L, null)),
                "null"
            },
            // Generator
            {"null model", (Call) () -> new Generator(null), "model"},
            {"default exit 9", (Call) () -> new Generator(model, 9, 4), "exit layer"},
            {"default d 0", (Call) () -> new Generator(model, 1, 0), "num-speculations"},
            {"null prompt", (Call) () -> generator.generate(null, greedy, null), "empty"},
            {"empty prompt", (Call) () -> generator.generate(new long[0], greedy, null), "empty"},
            {"null options", (Call) () -> generator.generate(ok, null, null), "options"},
            {"null prompts", (Call) () -> generator.generateBatch(null, greedy, null), "no prompt"},
            {
                "no prompts",
                (Call) () -> generator.generateBatch(new long[0][], greedy, null),
                "no prompt"
            },
            {
                "null row",
                (Call) () -> generator.generateBatch(new long[][] {ok, null}, greedy, null),
                "empty"
            },
            {
                "id = V",
                (Call) () -> generator.generate(new long[] {1, 97}, greedy, null),
                "vocabulary"
            },
            {
                "id < 0",
                (Call) () -> generator.generate(new long[] {-1}, greedy, null),
                "vocabulary"
            },
            {
                "too long",
                (Call)
                        () ->
                                generator.generate(
                                        new long[250], opts().optMaxNewTokens(7).build(), null),
                "context"
            },
            {
                "huge maxNew",
                (Call)
                        () ->
                                generator.generate(
                                        ok,
                                        opts().optMaxNewTokens(Integer.MAX_VALUE).build(),
                                        null),
                "context"
            },
            {
                "exit 5 early",
                (Call)
                        () ->
                                generator.generate(
                                        ok,
                                        opts().optStrategy(DecodingStrategy.EARLY_EXIT)
                                                .optExitLayer(5)
                                                .build(),
                                        null),
                "exit-layer"
            },
            {
                "exit L self-spec",
                (Call)
                        () ->
                                generator.generate(
                                        ok,
                                        opts().optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                                                .optExitLayer(4)
                                                .build(),
                                        null),
                "exit-layer"
            },
            {
                "eos out of vocab",
                (Call)
                        () ->
                                generator.generate(
                                        ok, opts().optEosTokenIds(List.of(1000L)).build(), null),
                "EOS"
            },
            // LlamaModel
            {"forward null ids", (Call) () -> model.forward(ps, null, state, 4, true), "token ids"},
            {
                "forward float ids",
                (Call) () -> model.forward(ps, manager.zeros(new Shape(1, 2)), state, 4, true),
                "int64"
            },
            {
                "forward 1-D ids",
                (Call) () -> model.forward(ps, manager.create(new long[] {1, 2}), state, 4, true),
                "(B, T)"
            },
            {
                "forward empty ids",
                (Call)
                        () ->
                                model.forward(
                                        ps,
                                        manager.create(new long[0], new Shape(1, 0)),
                                        state,
                                        4,
                                        true),
                "(B, T)"
            },
            {
                "forward id V",
                (Call) () -> model.forward(ps, ids(1, 97), state, 4, true),
                "vocabulary"
            },
            {
                "forward id -5",
                (Call) () -> model.forward(ps, ids(-5, 2), state, 4, true),
                "vocabulary"
            },
            {
                "forward exit 0",
                (Call) () -> model.forward(ps, ids(1), state, 0, true),
                "exit layer"
            },
            {
                "forward exit 5",
                (Call) () -> model.forward(ps, ids(1), state, 5, true),
                "exit layer"
            },
            {"forward null state", (Call) () -> model.forward(ps, ids(1), null, 4, true), "state"},
            {
                "forward batch mismatch",
                (Call)
                        () ->
                                model.forward(
                                        ps,
                                        manager.create(new long[] {1, 2}, new Shape(2, 1)),
                                        state,
                                        4,
                                        true),
                "rows"
            },
            {
                "forward null ps",
                (Call) () -> model.forward(null, ids(1), state, 4, true),
                "parameter store"
            },
            {
                "forward positions",
                (Call) () -> model.forward(ps, ids(1, 2), state, 4, new int[] {2}),
                "position"
            },
            {
                "forward positions len",
                (Call) () -> model.forward(ps, ids(1, 2), state, 4, new int[] {0, 1}),
                "positions"
            },
            {
                "forwardExits empty",
                (Call) () -> model.forwardExits(ps, ids(1), new int[0], false),
                "exit"
            },
            {
                "forwardExits unsorted",
                (Call) () -> model.forwardExits(ps, ids(1), new int[] {3, 1}, false),
                "ascending"
            },
            {
                "forwardExits 9",
                (Call) () -> model.forwardExits(ps, ids(1), new int[] {9}, false),
                "exit layer"
            },
            {
                "forwardExits float",
                (Call)
                        () ->
                                model.forwardExits(
                                        ps, manager.ones(new Shape(1, 3)), new int[] {4}, false),
                "int64"
            },
            {"plan range", (Call) () -> PassPlan.of(state, 0, 5, 1), "layer range"},
            {"plan from<0", (Call) () -> PassPlan.of(state, -1, 2, 1), "layer range"},
            {"plan empty range", (Call) () -> PassPlan.of(state, 2, 2, 1), "layer range"},
            {"plan tokens 0", (Call) () -> PassPlan.of(state, 0, 2, 0), "at least one token"},
            {"plan overflow", (Call) () -> PassPlan.of(state, 0, 2, 17), "cache slots"},
            {"plan rows", (Call) () -> PassPlan.of(state, new int[] {1}, 0, 2, 1), "rows"},
            {"plan rows order", (Call) () -> PassPlan.of(state, new int[] {0, 0}, 0, 2, 1), "rows"},
            {
                "runLayers hidden shape",
                (Call)
                        () ->
                                model.runLayers(
                                        ps,
                                        manager.zeros(new Shape(1, 2, 31)),
                                        PassPlan.of(state, 0, 2, 2),
                                        false),
                "hidden states"
            },
            {
                "runLayers hidden dtype",
                (Call)
                        () ->
                                model.runLayers(
                                        ps,
                                        manager.zeros(new Shape(1, 2, 32), DataType.FLOAT64),
                                        PassPlan.of(state, 0, 2, 2),
                                        false),
                "hidden states"
            },
            {
                "runLayers plan mismatch",
                (Call) () -> model.runLayers(ps, hidden, PassPlan.of(state, 0, 2, 1), false),
                "do not match"
            },
            {
                "forwardEarly exit L",
                (Call) () -> model.forwardEarly(ps, ids(1), state, 4),
                "drafting"
            },
            {
                "forwardRemainder exit 0",
                (Call) () -> model.forwardRemainder(ps, state, 0, 1),
                "drafting"
            },
            {
                "forwardRemainder count 0",
                (Call) () -> model.forwardRemainder(ps, state, 2, 0),
                "at least one token"
            },
            {
                "embed host vocab",
                (Call) () -> model.embed(ps, manager, new long[] {97}, 1, 1),
                "vocabulary"
            },
            {
                "embed host shape",
                (Call) () -> model.embed(ps, manager, new long[] {1, 2, 3}, 2, 2),
                "do not form"
            },
            {
                "head shape",
                (Call) () -> model.head(ps, manager.zeros(new Shape(2, 5, 31))),
                "hidden states"
            },
            {"newState batch 0", (Call) () -> model.newState(manager, 0, 8), "batch"},
            {"newState capacity 0", (Call) () -> model.newState(manager, 1, 0), "capacity"},
            {"newState huge", (Call) () -> model.newState(manager, 1 << 16, 1 << 20), "too large"},
            {"newState null", (Call) () -> model.newState(null, 1, 8), "manager"},
            // DecoderState and KvCache
            {"state layer 4", (Call) () -> state.layer(4), "layer"},
            {"state lengths -1", (Call) () -> state.lengths(-1), "layer"},
            {"state row 1", (Call) () -> state.length(0, 1), "row"},
            {"state truncate row", (Call) () -> state.truncate(3, 1), "row"},
            {"state truncate keep", (Call) () -> state.truncate(-1), "keep"},
            {
                "kv dims",
                (Call) () -> KvCache.linear(manager, 1, 0, 4, 8, DataType.FLOAT32),
                "dimensions"
            },
            {
                "kv ring dims",
                (Call) () -> KvCache.ring(manager, 1, 2, 0, 8, DataType.FLOAT32),
                "dimensions"
            },
            {"state attach null", (Call) () -> state.attach(null), "resource"},
            // HfLlama and SafetensorsWriter
            {"load null dir", (Call) () -> HfLlama.load(null, manager, DataType.FLOAT32), "null"},
            {
                "load int dtype",
                (Call) () -> HfLlama.load(Path.of("."), manager, DataType.INT32),
                "dtype"
            },
            {
                "load limit 0",
                (Call) () -> HfLlama.load(Path.of("."), manager, DataType.FLOAT32, 0),
                "maxParameterBytes"
            },
            {
                "save null",
                (Call) () -> HfLlama.save(model, null, SafetensorsDtype.F32, 1 << 20),
                "null"
            },
            {
                "save shard 0",
                (Call)
                        () ->
                                HfLlama.save(
                                        model,
                                        Files.createTempDirectory("x"),
                                        SafetensorsDtype.F32,
                                        0),
                "maxShardBytes"
            },
            {
                "save int dtype",
                (Call)
                        () ->
                                HfLlama.save(
                                        model,
                                        Files.createTempDirectory("x"),
                                        SafetensorsDtype.I32,
                                        1 << 20),
                "cannot save"
            },
            {
                "writer null",
                (Call)
                        () ->
                                SafetensorsWriter.write(
                                        null, java.util.Map.of(), SafetensorsDtype.F32),
                "null"
            },
            {
                "writer metadata",
                (Call)
                        () ->
                                SafetensorsWriter.write(
                                        Files.createTempFile("x", ".st"),
                                        java.util.Map.of(
                                                "__metadata__",
                                                org.layerskip.io.TensorData.of(
                                                        new float[] {1f}, 1)),
                                        SafetensorsDtype.F32),
                "__metadata__"
            },
        };
    }

    @Test(dataProvider = "calls")
    public void rejectedWithClearMessage(String name, Call call, String fragment) {
        try {
            call.run();
        } catch (IllegalArgumentException e) {
            Assert.assertNotNull(e.getMessage(), name);
            Assert.assertFalse(e.getMessage().contains("\n"), name + ": " + e.getMessage());
            Assert.assertTrue(
                    e.getMessage().contains(fragment),
                    name + ": expected '" + fragment + "' in: " + e.getMessage());
            return;
        } catch (Throwable t) {
            throw new AssertionError(name + ": expected IllegalArgumentException, got " + t, t);
        }
        Assert.fail(name + ": was accepted");
    }

    @Test
    public void stateStillUsableAfterRejections() {
        // rejected calls must not have corrupted anything: a normal generation still works
        long[] out = generator.generate(new long[] {1, 5}, opts().build(), null).tokenIds();
        Assert.assertEquals(out.length > 0, true);
    }
}
