package org.layerskip.translate;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import org.layerskip.engine.EngineKind;
import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.FinishReason;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.SpeculationStats;
import org.layerskip.generate.TokenKind;
import org.layerskip.testing.Assertions;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * {@link GenerationCodec} is lossless: every field of {@link GenerationOptions} and every component
 * of {@link GenerationResult} survives encode then decode, for every value of every enum. The
 * fields are found by reflection, so a field added to either type and not to the codec (or to
 * {@link #everyOptionSet()}) fails here.
 */
public class GenerationCodecTest {

    private NDManager manager;

    @BeforeClass
    public void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterClass
    public void close() {
        manager.close();
    }

    /** Options with every field away from the builder's default. */
    private static GenerationOptions everyOptionSet() {
        return GenerationOptions.builder()
                .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                .optMaxNewTokens(777)
                .optExitLayer(3)
                .optNumSpeculations(5)
                .optConfidenceThreshold(0.3)
                .optTemperature(0.7)
                .optTopK(40)
                .optTopP(0.9)
                .optSeed(Long.MIN_VALUE + 7)
                .optEosTokenIds(List.of(2L, 128009L))
                .optReuseExitStates(false)
                .optEngine(EngineKind.OPS)
                .build();
    }

    private static List<Field> optionFields() {
        List<Field> out = new ArrayList<>();
        for (Field f : GenerationOptions.class.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                f.setAccessible(true);
                out.add(f);
            }
        }
        return out;
    }

    private static void assertSameOptions(GenerationOptions actual, GenerationOptions expected)
            throws IllegalAccessException {
        for (Field f : optionFields()) {
            Assert.assertTrue(
                    Objects.deepEquals(f.get(actual), f.get(expected)),
                    f.getName() + ": " + f.get(actual) + " != " + f.get(expected));
        }
    }

    private GenerationOptions roundTrip(GenerationOptions o, List<String> stops) {
        NDList in = GenerationCodec.encodeInput(manager, new long[] {1, 5, 9}, o, stops);
        Assert.assertEquals(GenerationCodec.decodePrompt(in), new long[] {1, 5, 9});
        Assert.assertEquals(GenerationCodec.decodeStops(in), stops);
        return GenerationCodec.decodeOptions(in);
    }

    @Test
    public void everyOptionFieldIsCoveredByThisTest() throws IllegalAccessException {
        GenerationOptions defaults = GenerationOptions.builder().build();
        GenerationOptions set = everyOptionSet();
        for (Field f : optionFields()) {
            Assert.assertFalse(
                    Objects.deepEquals(f.get(set), f.get(defaults)),
                    "GenerationOptions."
                            + f.getName()
                            + " keeps its default in everyOptionSet():"
                            + " set it there and carry it in GenerationCodec");
        }
    }

    @Test
    public void everyOptionSurvives() throws IllegalAccessException {
        GenerationOptions o = everyOptionSet();
        assertSameOptions(roundTrip(o, List.of("\n\n", "é✓ stop")), o);
    }

    @Test
    public void defaultsAndUnsetValuesSurvive() throws IllegalAccessException {
        GenerationOptions o = GenerationOptions.builder().build(); // eos and engine null, E = d = 0
        assertSameOptions(roundTrip(o, List.of()), o);
        GenerationOptions never = o.toBuilder().optEosTokenIds(List.of()).build(); // never stop
        assertSameOptions(roundTrip(never, List.of()), never);
        GenerationOptions zero = o.toBuilder().optTemperature(-0.0).build(); // doubles bit for bit
        Assert.assertEquals(
                Double.doubleToRawLongBits(roundTrip(zero, List.of()).temperature()),
                Double.doubleToRawLongBits(-0.0));
    }

    @Test
    public void everyStrategyAndEngineSurvives() throws IllegalAccessException {
        for (DecodingStrategy s : DecodingStrategy.values()) {
            for (EngineKind k : EngineKind.values()) {
                GenerationOptions o =
                        everyOptionSet().toBuilder().optStrategy(s).optEngine(k).build();
                assertSameOptions(roundTrip(o, List.of()), o);
            }
        }
    }

    /** A distinct, non-default value for every component type the result has. */
    private static Object sample(Class<?> type, int salt) throws ReflectiveOperationException {
        if (type == int.class) {
            return 1000 + salt;
        }
        if (type == long.class) {
            return Long.MAX_VALUE - salt;
        }
        if (type == long[].class) {
            return new long[] {salt, 7, 128009};
        }
        if (type.isEnum()) {
            Object[] values = type.getEnumConstants();
            return values[values.length - 1];
        }
        if (type.isRecord()) {
            return build(type, salt * 10);
        }
        throw new AssertionError(
                "no sample value for a component of type "
                        + type.getName()
                        + ": extend this test and GenerationCodec");
    }

    private static Object build(Class<?> record, int salt) throws ReflectiveOperationException {
        RecordComponent[] cs = record.getRecordComponents();
        Class<?>[] types = Arrays.stream(cs).map(RecordComponent::getType).toArray(Class<?>[]::new);
        Object[] args = new Object[cs.length];
        for (int i = 0; i < cs.length; i++) {
            args[i] = sample(types[i], salt + i);
        }
        Constructor<?> c = record.getDeclaredConstructor(types);
        return c.newInstance(args);
    }

    private static void assertSameRecord(Object actual, Object expected)
            throws ReflectiveOperationException {
        if (expected == null || !expected.getClass().isRecord()) {
            Assert.assertTrue(Objects.deepEquals(actual, expected), actual + " != " + expected);
            return;
        }
        for (RecordComponent c : expected.getClass().getRecordComponents()) {
            Object a = c.getAccessor().invoke(actual);
            Object e = c.getAccessor().invoke(expected);
            if (e != null && e.getClass().isRecord()) {
                assertSameRecord(a, e);
            } else {
                Assert.assertTrue(Objects.deepEquals(a, e), c.getName() + ": " + a + " != " + e);
            }
        }
    }

    private GenerationResult roundTrip(GenerationResult r) {
        return GenerationCodec.decodeResult(GenerationCodec.encodeResult(manager, r));
    }

    @Test
    public void everyResultComponentSurvives() throws ReflectiveOperationException {
        GenerationResult r = (GenerationResult) build(GenerationResult.class, 1);
        Assert.assertNotNull(r.speculation());
        Assert.assertNotNull(r.engine());
        assertSameRecord(roundTrip(r), r);
    }

    @Test
    public void everyEnumValueAndNullSurvives() throws ReflectiveOperationException {
        for (FinishReason f : FinishReason.values()) {
            for (DecodingStrategy s : DecodingStrategy.values()) {
                for (EngineKind k : new EngineKind[] {EngineKind.FUSED, EngineKind.OPS, null}) {
                    GenerationResult r =
                            new GenerationResult(
                                    new long[] {4},
                                    f,
                                    s,
                                    2,
                                    0,
                                    3,
                                    10,
                                    20,
                                    s == DecodingStrategy.SELF_SPECULATIVE
                                            ? new SpeculationStats(5, 3, 2, 99)
                                            : null,
                                    0,
                                    k);
                    assertSameRecord(roundTrip(r), r);
                }
            }
        }
    }

    @Test
    public void tokenKindsSurviveInResultsAndStreams() {
        List<TokenKind> kinds = List.of(TokenKind.values());
        long[] ids = new long[kinds.size()];
        Arrays.fill(ids, 42);
        GenerationResult r =
                new GenerationResult(
                        ids,
                        FinishReason.LENGTH,
                        DecodingStrategy.SELF_SPECULATIVE,
                        2,
                        3,
                        3,
                        10,
                        20,
                        new SpeculationStats(5, 3, 2, 99));
        NDList out = GenerationCodec.encodeResult(manager, r, kinds);
        Assert.assertEquals(GenerationCodec.decodeKinds(out), kinds);
        Assert.assertNull(GenerationCodec.decodeKinds(GenerationCodec.encodeResult(manager, r)));
        for (TokenKind k : TokenKind.values()) {
            NDList token = GenerationCodec.encodeToken(manager, 128009, k);
            Assert.assertTrue(GenerationCodec.isToken(token));
            Assert.assertEquals(
                    GenerationCodec.decodeToken(token), new GenerationCodec.Token(128009, k));
        }
        Assert.assertFalse(GenerationCodec.isToken(out));
    }

    private NDList request(String json) {
        NDList in =
                GenerationCodec.encodeInput(
                        manager, new long[] {1}, GenerationOptions.builder().build());
        return new NDList(in.get(0), manager.create(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    public void malformedRequestsNameTheField() {
        String ok =
                new String(
                        GenerationCodec.encodeInput(
                                        manager,
                                        new long[] {1},
                                        GenerationOptions.builder().build())
                                .get(1)
                                .toByteArray(),
                        StandardCharsets.UTF_8);
        Assertions.assertOneLineMessage(
                Assert.expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                GenerationCodec.decodeOptions(
                                        request(ok.replace("\"seed\":42,", "")))),
                "missing [seed]");
        Assertions.assertOneLineMessage(
                Assert.expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                GenerationCodec.decodeOptions(
                                        request(ok.replace("{", "{\"beam\":1,")))),
                "unknown [beam]");
        Assertions.assertOneLineMessage(
                Assert.expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                GenerationCodec.decodeOptions(
                                        request(ok.replace("\"top_k\":0", "\"top_k\":\"x\"")))),
                "top_k");
        Assertions.assertOneLineMessage(
                Assert.expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                GenerationCodec.decodeOptions(
                                        request(ok.replace("autoregressive", "beam")))),
                "unknown strategy 'beam'");
        Assertions.assertOneLineMessage(
                Assert.expectThrows(
                        IllegalArgumentException.class,
                        () -> GenerationCodec.decodeOptions(request("{\"strategy\":"))),
                "request");
        Assertions.assertOneLineMessage(
                Assert.expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                GenerationCodec.decodeOptions(
                                        new NDList(manager.create(new long[] {1})))),
                "promptIds, request");
    }
}
