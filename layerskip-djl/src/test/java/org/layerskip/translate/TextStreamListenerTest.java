package org.layerskip.translate;

import ai.djl.ndarray.NDManager;

import org.layerskip.generate.BatchScheduler;
import org.layerskip.generate.ContinuousBatcher;
import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.FinishReason;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.Generator;
import org.layerskip.generate.TokenKind;
import org.layerskip.nn.LlamaModel;
import org.layerskip.nn.TinyModels;
import org.layerskip.tokenizer.LlamaTokenizer;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Stop strings end generation at the first occurrence in the decoded text, across token boundaries
 * and inside accepted drafts, with {@link Generator} and with the continuous batcher; the stop
 * string is not returned and no token after the one that completed it is emitted.
 */
public class TextStreamListenerTest {

    private NDManager manager;
    private Generator generator;
    private LlamaTokenizer tokenizer;

    @BeforeClass
    public void setUp() throws Exception {
        manager = NDManager.newBaseManager();
        LlamaModel model = TinyModels.random(manager, TinyModels.config(4, false), 8);
        generator = new Generator(model, 3, 4);
        tokenizer =
                LlamaTokenizer.load(
                        Path.of(
                                TextStreamListenerTest.class
                                        .getResource("/tokenizers/tiny")
                                        .toURI()));
    }

    @AfterClass
    public void tearDown() {
        tokenizer.close();
        manager.close();
    }

    private static GenerationOptions options() {
        return GenerationOptions.builder()
                .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                .optMaxNewTokens(60)
                .optEosTokenIds(List.of())
                .optTemperature(0.9)
                .optSeed(5)
                .build();
    }

    /** The text of tokens [0, n), each with the text it adds. */
    private String textOf(long[] ids, int n) {
        return TextGenerationTranslator.decodeKnown(tokenizer, Arrays.copyOf(ids, n));
    }

    @Test
    public void stopsAcrossTokenBoundariesWithGeneratorAndBatcher() throws Exception {
        long[] prompt = {1, 4, 7, 11};
        GenerationResult free = generator.generate(prompt, options(), null);
        String full = textOf(free.tokenIds(), free.tokenIds().length);
        Assert.assertTrue(full.length() > 20, "the random model must produce text: '" + full + "'");
        int checked = 0;
        try (BatchScheduler scheduler =
                new BatchScheduler(ContinuousBatcher.builder(generator).build())) {
            for (int from = 3; from + 4 < full.length() && checked < 6; from += 5) {
                // a stop string that straddles a space, i.e. a token boundary
                int space = full.indexOf(' ', from);
                if (space < 2 || space + 2 > full.length()) {
                    continue;
                }
                String stop = full.substring(space - 2, space + 2);
                String expectedText = full.substring(0, full.indexOf(stop));
                // the token that completes the first occurrence
                int n = 1;
                while (!textOf(free.tokenIds(), n).contains(stop)) {
                    n++;
                }
                for (int via = 0; via < 2; via++) {
                    List<TokenKind> kinds = new ArrayList<>();
                    StringBuilder shown = new StringBuilder();
                    TextStreamListener l =
                            new TextStreamListener(
                                    tokenizer,
                                    List.of(stop),
                                    (t, id, k) -> {
                                        shown.append(t);
                                        kinds.add(k);
                                    });
                    GenerationResult r =
                            via == 0
                                    ? generator.generate(prompt, options(), l)
                                    : scheduler
                                            .batcher()
                                            .submit(prompt, options(), l)
                                            .result()
                                            .get(30, TimeUnit.SECONDS);
                    shown.append(l.finish());
                    String where = (via == 0 ? "generator" : "batcher") + ", stop '" + stop + "'";
                    Assert.assertEquals(r.finishReason(), FinishReason.STOP, where);
                    Assert.assertEquals(shown.toString(), expectedText, where);
                    Assert.assertEquals(l.text(), expectedText, where);
                    Assert.assertEquals(r.tokenIds(), Arrays.copyOf(free.tokenIds(), n), where);
                    Assert.assertEquals(kinds.size(), n, where);
                }
                checked++;
            }
        }
        Assert.assertTrue(
                checked >= 3, "only " + checked + " stop strings checked in '" + full + "'");
    }

    @Test
    public void withoutAMatchTheHeldBackTextComesAtTheEnd() {
        long[] prompt = {1, 4, 7, 11};
        GenerationResult free = generator.generate(prompt, options(), null);
        String full = textOf(free.tokenIds(), free.tokenIds().length);
        String stop = full.substring(full.length() - 2) + "\u00a7"; // its start ends the text
        StringBuilder shown = new StringBuilder();
        TextStreamListener l =
                new TextStreamListener(tokenizer, List.of(stop), (t, id, k) -> shown.append(t));
        GenerationResult r = generator.generate(prompt, options(), l);
        Assert.assertEquals(r.finishReason(), FinishReason.LENGTH);
        Assert.assertEquals(shown.toString(), full.substring(0, full.length() - 2));
        Assert.assertEquals(l.finish(), full.substring(full.length() - 2));
        Assert.assertEquals(l.text(), full);
    }
}
