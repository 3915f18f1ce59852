package org.layerskip.cli;

import org.layerskip.config.LibraryDefaults;
import org.layerskip.tasks.EncodedTask;
import org.layerskip.tasks.TaskSuite;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompts and repetition settings shared by {@code bench} and {@code sweep} (greedy decoding): the
 * built-in prompts, a prompt file, token ids, or a task suite ({@code --task}).
 */
final class Workload {

    /** Used when no prompt is given and the model has a tokenizer. */
    static final List<String> BUILT_IN_TEXTS =
            List.of(
                    "The capital of France is",
                    "def fibonacci(n):",
                    "Once upon a time, in a small village by the sea,",
                    "Summarize: The meeting covered the budget, the hiring plan and the new office.");

    @Option(
            names = "--prompts",
            paramLabel = "FILE",
            description = "Text prompts, one per line (needs tokenizer.json in the model folder).")
    Path promptFile;

    @Option(
            names = "--prompt-ids",
            paramLabel = "IDS",
            description = "A prompt as comma-separated token ids; repeat for several prompts.")
    List<String> promptIds;

    @Option(
            names = "--task",
            paramLabel = "NAME|FILE",
            description =
                    "Run a task suite instead of prompts: code, copy or free (bundled, built"
                            + " from the held-out split), or a suite .json file; reports its quality"
                            + " metrics for every strategy.")
    String task;

    @Option(
            names = "--limit",
            paramLabel = "N",
            description = "With --task: use only the first N examples.")
    Integer limit;

    @Option(
            names = "--max-new-tokens",
            paramLabel = "N",
            description =
                    "Tokens per run (default: the task's max_new_tokens, else "
                            + LibraryDefaults.MAX_NEW_TOKENS
                            + ", as in every command).")
    Integer maxNewTokens;

    @Option(
            names = "--repeats",
            paramLabel = "R",
            defaultValue = "3",
            description = "Measured runs per prompt (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(
            names = "--warmup",
            paramLabel = "W",
            defaultValue = "1",
            description =
                    "Unmeasured runs on the first prompt before measuring (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(
            names = "--ignore-eos",
            description = "Do not stop at EOS: every run generates --max-new-tokens.")
    boolean ignoreEos;

    @Option(
            names = "--timing",
            paramLabel = "wall|cpu",
            defaultValue = "wall",
            description =
                    "What speedups compare and sweep ranks by: wall time, or this thread's CPU"
                            + " time (robust when other jobs share the machine; complete only with --threads 1,"
                            + " where LibTorch computes on the calling thread). Default: ${DEFAULT-VALUE}.")
    String timing;

    @Option(
            names = "--progress",
            negatable = true,
            description = "Show a progress bar on stderr (default: when a terminal is attached).")
    Boolean progress;

    /** The suite of --task, once {@link #loadTask()} has read it. */
    TaskSuite suite;

    /** The suite tokenized for the model, once {@link #prompts} has run with a task. */
    EncodedTask encoded;

    /** Returns a usage error message, or null. */
    String check() {
        if (maxNewTokens != null && maxNewTokens < 1) {
            return "--max-new-tokens must be >= 1, got " + maxNewTokens;
        }
        if (repeats < 1) {
            return "--repeats must be >= 1, got " + repeats;
        }
        if (warmup < 0) {
            return "--warmup must be >= 0, got " + warmup;
        }
        if (!timing.equals("wall") && !timing.equals("cpu")) {
            return "--timing must be wall or cpu, got '" + timing + "'";
        }
        if (promptFile != null && promptIds != null) {
            return "give either --prompts or --prompt-ids, not both";
        }
        if (task != null && (promptFile != null || promptIds != null)) {
            return "give either --task or prompts (--prompts, --prompt-ids), not both";
        }
        if (limit != null && task == null) {
            return "--limit needs --task";
        }
        if (limit != null && limit < 1) {
            return "--limit must be >= 1, got " + limit;
        }
        if (task != null) {
            String m = TaskOption.usageError(task);
            if (m != null) {
                return m;
            }
        }
        if (promptIds != null) {
            for (String s : promptIds) {
                try {
                    TokenIdList.parse(s);
                } catch (NumberFormatException e) {
                    return "--prompt-ids: " + e.getMessage();
                }
            }
        }
        return null;
    }

    /**
     * Reads the suite of --task (before the model loads, so a bad suite fails fast).
     *
     * @throws IllegalArgumentException naming the file when it is missing or malformed
     */
    void loadTask() {
        if (task != null) {
            suite = TaskSuite.resolve(task);
            if (limit != null) {
                suite = suite.slice(limit);
            }
        }
    }

    /** Returns the tokens per run: --max-new-tokens, else the task's, else the default. */
    int maxNewTokens() {
        if (maxNewTokens != null) {
            return maxNewTokens;
        }
        return suite != null ? suite.maxNewTokens() : LibraryDefaults.MAX_NEW_TOKENS;
    }

    /** Whether speedups use thread CPU time instead of wall time. */
    boolean cpuTiming() {
        return timing.equals("cpu");
    }

    boolean showProgress() {
        return progress != null ? progress : System.console() != null;
    }

    /** Returns the prompts as token ids. */
    List<long[]> prompts(LoadedModel lm) throws IOException {
        List<long[]> out = new ArrayList<>();
        if (suite != null) {
            encoded = TaskOption.encode(suite, lm, maxNewTokens());
            return encoded.prompts();
        }
        if (promptIds != null) {
            for (String s : promptIds) {
                out.add(TokenIdList.parse(s));
            }
        } else if (promptFile != null) {
            for (String line : Files.readAllLines(promptFile, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    out.add(lm.encode(line));
                }
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException(
                        promptFile + ": no prompts (the file has no non-blank line)");
            }
        } else if (lm.tokenizer != null) {
            for (String t : BUILT_IN_TEXTS) {
                out.add(lm.encode(t));
            }
        } else {
            // No tokenizer: fixed pseudo-random ids, BOS first, so runs are comparable across
            // calls.
            int v = lm.model.getConfig().vocabSize();
            long bos = lm.model.getConfig().bosTokenId();
            for (int p = 0; p < 4; p++) {
                long[] ids = new long[8];
                ids[0] = bos >= 0 && bos < v ? bos : 0;
                for (int i = 1; i < ids.length; i++) {
                    ids[i] = Math.floorMod(31L * i + 97L * p + 7L * i * p + 11, v);
                }
                out.add(ids);
            }
        }
        return out;
    }
}
