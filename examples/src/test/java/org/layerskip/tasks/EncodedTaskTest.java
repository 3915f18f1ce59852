package org.layerskip.tasks;

import org.layerskip.tokenizer.LlamaTokenizer;
import org.layerskip.zoo.LayerSkipModels;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Tokenizing the bundled suites with the bundled models' tokenizer, and scoring perfect outputs.
 */
public class EncodedTaskTest {

    private LlamaTokenizer tok;

    @BeforeClass
    public void load() {
        tok = LlamaTokenizer.load(LayerSkipModels.resolve("tiny-layerskip"));
    }

    @AfterClass
    public void close() {
        tok.close();
    }

    /** No token spans the cut between prompt and truth: the truth's ids are the joint tail. */
    @Test
    public void truthIdsAreTheTailOfThePromptAndTruthTokens() {
        for (String name : List.of("code", "copy")) {
            TaskSuite s = TaskSuite.bundled(name);
            EncodedTask t = EncodedTask.encode(s, tok, 4096, 1 << 20);
            for (int i = 0; i < s.examples().size(); i++) {
                TaskExample e = s.examples().get(i);
                long[] joint = tok.encode(e.prompt() + e.truth());
                long[] p = t.prompts().get(i);
                Assert.assertEquals(Arrays.copyOf(joint, p.length), p, e.id());
                Assert.assertEquals(
                        t.truths().get(i),
                        Arrays.copyOfRange(joint, p.length, joint.length),
                        e.id());
                Assert.assertEquals(tok.decode(t.truths().get(i)), e.truth(), e.id());
            }
        }
    }

    @Test
    public void truthsAreCutToTheNewTokensAndPromptsMustFit() {
        EncodedTask t = EncodedTask.encode(TaskSuite.bundled("code"), tok, 5, 512);
        for (long[] truth : t.truths()) {
            Assert.assertTrue(truth.length <= 5);
        }
        IllegalArgumentException e =
                Assert.expectThrows(
                        IllegalArgumentException.class,
                        () -> EncodedTask.encode(TaskSuite.bundled("code"), tok, 48, 100));
        Assert.assertTrue(
                e.getMessage().contains("exceeds the model's context of 100"), e.getMessage());
        Assert.assertTrue(e.getMessage().startsWith("task code, example "), e.getMessage());
    }

    @Test
    public void perfectOutputsScoreOneAndShiftedOnesLess() {
        TaskSuite s = TaskSuite.bundled("code");
        EncodedTask t = EncodedTask.encode(s, tok, 400, 1 << 20);
        Map<TaskMetric, Double> perfect = TaskScores.score(t, t.truths(), t.truths(), tok);
        Assert.assertEquals(
                perfect.keySet(),
                List.of(
                                TaskMetric.TOKEN_ACCURACY,
                                TaskMetric.FIRST_LINE_EXACT_MATCH,
                                TaskMetric.AGREEMENT_WITH_AUTOREGRESSIVE)
                        .stream()
                        .collect(
                                java.util.stream.Collectors.toCollection(
                                        java.util.LinkedHashSet::new)));
        perfect.values().forEach(v -> Assert.assertEquals(v, 1.0));
        // drop the first token of every output: positions shift, first lines mostly break
        List<long[]> shifted = new ArrayList<>();
        for (long[] truth : t.truths()) {
            shifted.add(Arrays.copyOfRange(truth, 1, truth.length));
        }
        Map<TaskMetric, Double> worse = TaskScores.score(t, shifted, t.truths(), tok);
        Assert.assertTrue(worse.get(TaskMetric.TOKEN_ACCURACY) < 0.5, worse.toString());
        Assert.assertTrue(worse.get(TaskMetric.FIRST_LINE_EXACT_MATCH) < 1.0, worse.toString());
        Assert.assertEquals(
                worse.get(TaskMetric.TOKEN_ACCURACY),
                worse.get(TaskMetric.AGREEMENT_WITH_AUTOREGRESSIVE));
    }
}
