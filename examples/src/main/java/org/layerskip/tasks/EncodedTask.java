package org.layerskip.tasks;

import org.layerskip.tokenizer.LlamaTokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A task suite tokenized for one model: prompt ids, and the truth's ids truncated to the number of
 * tokens a run generates.
 *
 * <p>The truth's ids are the tail of {@code encode(prompt + truth)} after {@code encode(prompt)},
 * which is what a perfect continuation would be; when the tokenizer merges across the cut (a token
 * spanning the end of the prompt, which the bundled suites avoid by cutting before whitespace), the
 * truth is encoded on its own.
 */
public final class EncodedTask {

    private final TaskSuite suite;
    private final int maxNewTokens;
    private final List<long[]> prompts;
    private final List<long[]> truths;

    private EncodedTask(
            TaskSuite suite, int maxNewTokens, List<long[]> prompts, List<long[]> truths) {
        this.suite = suite;
        this.maxNewTokens = maxNewTokens;
        this.prompts = Collections.unmodifiableList(prompts);
        this.truths = Collections.unmodifiableList(truths);
    }

    /**
     * Tokenizes a suite.
     *
     * @param suite the suite
     * @param tokenizer the model's tokenizer (BOS added as its configuration says)
     * @param maxNewTokens tokens each run generates
     * @param contextLength the model's context (max_position_embeddings)
     * @return the encoded suite
     * @throws IllegalArgumentException naming the example whose prompt and new tokens do not fit
     *     the context
     */
    public static EncodedTask encode(
            TaskSuite suite, LlamaTokenizer tokenizer, int maxNewTokens, int contextLength) {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
        }
        List<long[]> prompts = new ArrayList<>();
        List<long[]> truths = new ArrayList<>();
        for (TaskExample e : suite.examples()) {
            long[] p = tokenizer.encode(e.prompt());
            if ((long) p.length + maxNewTokens > contextLength) {
                throw new IllegalArgumentException(
                        "task "
                                + suite.name()
                                + ", example "
                                + e.id()
                                + ": its prompt of "
                                + p.length
                                + " tokens plus "
                                + maxNewTokens
                                + " new tokens exceeds the model's context of "
                                + contextLength);
            }
            prompts.add(p);
            truths.add(e.truth() == null ? null : truthIds(tokenizer, p, e, maxNewTokens));
        }
        return new EncodedTask(suite, maxNewTokens, prompts, truths);
    }

    private static long[] truthIds(LlamaTokenizer tokenizer, long[] prompt, TaskExample e, int n) {
        long[] joint = tokenizer.encode(e.prompt() + e.truth());
        long[] tail;
        if (joint.length > prompt.length
                && Arrays.equals(joint, 0, prompt.length, prompt, 0, prompt.length)) {
            tail = Arrays.copyOfRange(joint, prompt.length, joint.length);
        } else {
            tail = tokenizer.encode(e.truth(), false);
        }
        return tail.length > n ? Arrays.copyOf(tail, n) : tail;
    }

    /**
     * Returns the suite.
     *
     * @return the suite encoded
     */
    public TaskSuite suite() {
        return suite;
    }

    /**
     * Returns the tokens each run generates (at most).
     *
     * @return max_new_tokens of the runs
     */
    public int maxNewTokens() {
        return maxNewTokens;
    }

    /**
     * Returns the prompts' ids, in suite order.
     *
     * @return unmodifiable list; do not modify the arrays
     */
    public List<long[]> prompts() {
        return prompts;
    }

    /**
     * Returns the truths' ids (at most {@link #maxNewTokens()} each), in suite order.
     *
     * @return unmodifiable list with a null entry for an example without truth
     */
    public List<long[]> truths() {
        return truths;
    }
}
