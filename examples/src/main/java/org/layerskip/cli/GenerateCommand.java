package org.layerskip.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import org.layerskip.config.LibraryDefaults;
import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.SpeculationStats;
import org.layerskip.generate.TokenListener;
import org.layerskip.io.SamplingDefaults;
import org.layerskip.tasks.TaskSuite;
import org.layerskip.tokenizer.ChatMessage;
import org.layerskip.tokenizer.ChatTemplate;
import org.layerskip.translate.StopStrings;
import org.layerskip.translate.TextStreamListener;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code layerskip generate}: one prompt, one strategy; text or one JSON object on stdout. */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description = "Generate a continuation of one prompt.")
final class GenerateCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin ModelOptions modelOptions;

    @Mixin EngineOption engineOption;

    @ArgGroup(exclusive = true, multiplicity = "1")
    PromptInput prompt;

    /** Exactly one of text or ids. */
    static final class PromptInput {
        @Option(
                names = "--prompt",
                paramLabel = "TEXT",
                description =
                        "Prompt text (needs tokenizer.json in the model folder; BOS added as"
                                + " tokenizer_config.json says).")
        String text;

        @Option(
                names = "--prompt-ids",
                paramLabel = "IDS",
                description = "Prompt token ids, comma-separated, used as given (e.g. 1,2,3).")
        String ids;
    }

    @Option(
            names = "--max-new-tokens",
            paramLabel = "N",
            defaultValue = "" + LibraryDefaults.MAX_NEW_TOKENS,
            description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(
            names = "--strategy",
            defaultValue = "self-speculative",
            description =
                    "autoregressive, early-exit or self-speculative (default: ${DEFAULT-VALUE}).")
    DecodingStrategy strategy;

    @Option(
            names = "--exit-layer",
            paramLabel = "E",
            description = "Exit layer E (default: layerskip.json in the model folder, else L/4).")
    Integer exitLayer;

    @Option(
            names = "--task",
            paramLabel = "NAME|FILE",
            description =
                    "Use the E and d that 'sweep --task' recorded for this task (code, copy,"
                            + " free or a suite .json file) in layerskip.json, when E and d are not given.")
    String task;

    @Option(
            names = "--num-speculations",
            paramLabel = "D",
            description = "Draft tokens per verification (default: layerskip.json, else 4).")
    Integer numSpeculations;

    @Option(
            names = "--confidence-threshold",
            paramLabel = "T",
            defaultValue = "0",
            description = "Stop drafting when the draft's top probability falls below T (0 = off).")
    double confidenceThreshold;

    @Option(
            names = "--temperature",
            paramLabel = "T",
            description =
                    "Sampling temperature; 0 = greedy (default: generation_config.json's, else 0).")
    Double temperature;

    @Option(
            names = "--top-k",
            paramLabel = "K",
            description = "Top-k, 0 = off (default: generation_config.json's, else 0).")
    Integer topK;

    @Option(
            names = "--top-p",
            paramLabel = "P",
            description = "Top-p in (0, 1], 1 = off (default: generation_config.json's, else 1).")
    Double topP;

    @Option(
            names = "--chat",
            description =
                    "Treat --prompt as a user message and render it with the model's chat template.")
    boolean chat;

    @Option(
            names = "--system",
            paramLabel = "TEXT",
            description = "A system message before the --prompt (implies --chat).")
    String system;

    @Option(
            names = "--stop",
            paramLabel = "TEXT",
            description =
                    "Stop at the first occurrence of TEXT in the output (not printed; repeatable, up to 4).")
    List<String> stop = new ArrayList<>();

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--ignore-eos",
            description = "Do not stop at EOS: always generate --max-new-tokens.")
    boolean ignoreEos;

    @Option(names = "--json", description = "Print exactly one JSON object on stdout.")
    boolean json;

    @Option(
            names = "--stream",
            description =
                    "Show tokens as produced; self-speculative runs mark accepted drafts"
                            + " (green, or [brackets] without a colour terminal).")
    boolean stream;

    @Override
    public Integer call() throws Exception {
        checkUsage();
        String taskName = task == null ? null : TaskSuite.resolve(task).name();
        try (LoadedModel lm = modelOptions.load()) {
            long[] ids = prompt.text != null ? encodePrompt(lm) : TokenIdList.parse(prompt.ids);
            SamplingDefaults defaults = SamplingDefaults.read(lm.dir);
            lm.checkExitLayer(exitLayer, strategy == DecodingStrategy.SELF_SPECULATIVE);
            GenerationOptions.Builder b =
                    GenerationOptions.builder()
                            .optStrategy(strategy)
                            .optMaxNewTokens(maxNewTokens)
                            .optExitLayer(exitLayer == null ? 0 : exitLayer)
                            .optNumSpeculations(numSpeculations == null ? 0 : numSpeculations)
                            .optConfidenceThreshold(confidenceThreshold)
                            .optTemperature(
                                    temperature != null ? temperature : defaults.temperature())
                            .optTopK(topK != null ? topK : defaults.topK())
                            .optTopP(topP != null ? topP : defaults.topP())
                            .optSeed(seed)
                            .optEngine(engineOption.kind());
            if (ignoreEos) {
                b.optEosTokenIds(List.of());
            }
            GenerationOptions options = b.build();

            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            boolean mark = stream && strategy == DecodingStrategy.SELF_SPECULATIVE;
            boolean colour = mark && TokenPrinter.coloursAllowed();
            // With --json, stdout carries only the JSON object: a stream goes to stderr.
            TokenPrinter printer = null;
            if (!json || stream) {
                printer = new TokenPrinter(json ? err : out, lm.tokenizer, mark, colour);
            }
            if (mark) {
                err.println(TokenPrinter.legend(colour));
            }
            TokenPrinter p = printer;
            TextStreamListener text =
                    lm.tokenizer == null
                            ? null
                            : new TextStreamListener(
                                    lm.tokenizer,
                                    stop,
                                    (t, id, kind) -> {
                                        if (p != null) {
                                            p.printText(t, kind);
                                        }
                                    });
            TokenListener listener = text != null ? text : printer;
            GenerationResult r = lm.generator(taskName).generate(ids, options, listener);
            if (text != null) {
                String tail = text.finish();
                if (printer != null) {
                    printer.printText(tail, null);
                }
            }
            if (printer != null) {
                printer.finish();
            }
            if (json) {
                out.println(toJson(r, lm, text == null ? null : text.text()));
                out.flush();
            } else {
                err.println(summary(r));
            }
            return 0;
        }
    }

    private long[] encodePrompt(LoadedModel lm) {
        if (!chat && system == null) {
            return lm.encode(prompt.text);
        }
        if (lm.tokenizer == null) {
            throw new IllegalArgumentException(
                    "--chat needs the model's tokenizer.json in " + lm.dir);
        }
        ChatTemplate template =
                ChatTemplate.read(lm.dir)
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                lm.dir
                                                        + " has no chat template (chat_template in tokenizer_config.json); drop --chat"));
        List<ChatMessage> messages = new ArrayList<>();
        if (system != null) {
            messages.add(ChatMessage.system(system));
        }
        messages.add(ChatMessage.user(prompt.text));
        return template.encode(lm.tokenizer, messages);
    }

    private void checkUsage() {
        SamplingChecks.maxNewTokens(spec, maxNewTokens);
        SamplingChecks.numSpeculations(spec, numSpeculations);
        SamplingChecks.require(
                spec,
                temperature == null || (temperature >= 0 && !Double.isInfinite(temperature)),
                "--temperature must be a finite number >= 0, got " + temperature);
        SamplingChecks.require(
                spec,
                topP == null || (topP > 0 && topP <= 1),
                "--top-p must be in (0, 1], got " + topP);
        SamplingChecks.require(
                spec, topK == null || topK >= 0, "--top-k must be >= 0, got " + topK);
        SamplingChecks.require(
                spec,
                (!chat && system == null) || prompt.text != null,
                "--chat and --system need --prompt TEXT (not --prompt-ids)");
        try {
            new StopStrings(stop);
        } catch (IllegalArgumentException e) {
            SamplingChecks.require(spec, false, "--stop: " + e.getMessage());
        }
        SamplingChecks.require(
                spec,
                confidenceThreshold >= 0 && confidenceThreshold < 1,
                "--confidence-threshold must be in [0, 1), got " + confidenceThreshold);
        String m = modelOptions.check();
        SamplingChecks.require(spec, m == null, m);
        m = task == null ? null : TaskOption.usageError(task);
        SamplingChecks.require(spec, m == null, m);
        if (prompt.ids != null) {
            try {
                TokenIdList.parse(prompt.ids);
            } catch (NumberFormatException e) {
                SamplingChecks.require(spec, false, "--prompt-ids: " + e.getMessage());
            }
        }
    }

    static String toJson(GenerationResult r, LoadedModel lm) {
        return toJson(r, lm, null);
    }

    /** The JSON result; {@code text} is the output text when known (cut before a stop string). */
    static String toJson(GenerationResult r, LoadedModel lm, String text) {
        JsonObject o = new JsonObject();
        o.addProperty("model", lm.given);
        JsonArray ids = new JsonArray();
        for (long id : r.tokenIds()) {
            ids.add(id);
        }
        o.add("token_ids", ids);
        o.addProperty(
                "text",
                text != null
                        ? text
                        : lm.tokenizer == null ? null : lm.tokenizer.decode(r.tokenIds()));
        o.addProperty("strategy", r.strategy().cliName());
        o.addProperty("finish_reason", r.finishReason().jsonName());
        o.addProperty("num_generated", r.numGenerated());
        o.addProperty("time_ms", r.timeMs());
        o.addProperty("tokens_per_second", r.tokensPerSecond());
        o.addProperty("prompt_tokens", r.promptTokens());
        o.addProperty("exit_layer", r.exitLayer());
        o.addProperty("engine", r.engine() == null ? null : r.engine().id());
        SpeculationStats s = r.speculation();
        if (r.strategy() == DecodingStrategy.SELF_SPECULATIVE && s != null) {
            o.addProperty("num_speculations", r.numSpeculations());
            o.addProperty("acceptance_rate", s.acceptanceRate());
            o.addProperty("mean_accepted_per_verification", s.meanAcceptedPerVerification());
            o.addProperty("tokens_per_verification", s.tokensPerVerification());
            o.addProperty("round_ms", s.roundNanos() / 1e6);
        }
        return new GsonBuilder().serializeNulls().disableHtmlEscaping().create().toJson(o);
    }

    static String summary(GenerationResult r) {
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "%d tokens (%s) in %.1f ms, %.1f tokens/s decode; %s, E=%d",
                        r.numGenerated(),
                        r.finishReason().jsonName(),
                        r.timeMs(),
                        r.tokensPerSecond(),
                        r.strategy().cliName(),
                        r.exitLayer()));
        SpeculationStats s = r.speculation();
        if (s != null) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            ", d=%d; acceptance %.2f (%.2f per verification)",
                            r.numSpeculations(),
                            s.acceptanceRate(),
                            s.meanAcceptedPerVerification()));
        }
        return sb.toString();
    }
}
