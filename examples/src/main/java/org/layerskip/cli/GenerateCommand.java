package org.layerskip.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.SpeculationStats;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
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
                description = "Prompt text (needs tokenizer.json in the model folder; BOS added as"
                        + " tokenizer_config.json says).")
        String text;

        @Option(
                names = "--prompt-ids",
                paramLabel = "IDS",
                split = ",",
                description = "Prompt token ids, comma-separated, used as given (e.g. 1,2,3).")
        long[] ids;
    }

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "64",
            description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--strategy", defaultValue = "self-speculative",
            description = "autoregressive, early-exit or self-speculative (default: ${DEFAULT-VALUE}).")
    DecodingStrategy strategy;

    @Option(names = "--exit-layer", paramLabel = "E",
            description = "Exit layer E (default: layerskip.json in the model folder, else L/4).")
    Integer exitLayer;

    @Option(names = "--num-speculations", paramLabel = "D",
            description = "Draft tokens per verification (default: layerskip.json, else 4).")
    Integer numSpeculations;

    @Option(names = "--confidence-threshold", paramLabel = "T", defaultValue = "0",
            description = "Stop drafting when the draft's top probability falls below T (0 = off).")
    double confidenceThreshold;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0",
            description = "Sampling temperature; 0 = greedy (default).")
    double temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0", description = "Top-k (0 = off).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1", description = "Top-p in (0, 1] (1 = off).")
    double topP;

    @Option(names = "--seed", defaultValue = "42", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--ignore-eos", description = "Do not stop at EOS: always generate --max-new-tokens.")
    boolean ignoreEos;

    @Option(names = "--json", description = "Print exactly one JSON object on stdout.")
    boolean json;

    @Option(names = "--stream",
            description = "Show tokens as produced; self-speculative runs mark accepted drafts"
                    + " (green, or [brackets] without a colour terminal).")
    boolean stream;

    @Override
    public Integer call() throws Exception {
        checkUsage();
        try (LoadedModel lm = modelOptions.load()) {
            long[] ids = prompt.text != null ? lm.encode(prompt.text) : prompt.ids;
            lm.checkExitLayer(exitLayer, strategy == DecodingStrategy.SELF_SPECULATIVE);
            GenerationOptions.Builder b =
                    GenerationOptions.builder()
                            .optStrategy(strategy)
                            .optMaxNewTokens(maxNewTokens)
                            .optExitLayer(exitLayer == null ? 0 : exitLayer)
                            .optNumSpeculations(numSpeculations == null ? 0 : numSpeculations)
                            .optConfidenceThreshold(confidenceThreshold)
                            .optTemperature(temperature)
                            .optTopK(topK)
                            .optTopP(topP)
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
            GenerationResult r = lm.generator().generate(ids, options, printer);
            if (printer != null) {
                printer.finish();
            }
            if (json) {
                out.println(toJson(r, lm));
                out.flush();
            } else {
                err.println(summary(r));
            }
            return 0;
        }
    }

    private void checkUsage() {
        SamplingChecks.maxNewTokens(spec, maxNewTokens);
        SamplingChecks.numSpeculations(spec, numSpeculations);
        SamplingChecks.require(spec, temperature >= 0 && !Double.isInfinite(temperature),
                "--temperature must be a finite number >= 0, got " + temperature);
        SamplingChecks.require(spec, topP > 0 && topP <= 1, "--top-p must be in (0, 1], got " + topP);
        SamplingChecks.require(spec, topK >= 0, "--top-k must be >= 0, got " + topK);
        SamplingChecks.require(spec, confidenceThreshold >= 0 && confidenceThreshold < 1,
                "--confidence-threshold must be in [0, 1), got " + confidenceThreshold);
        String m = modelOptions.check();
        SamplingChecks.require(spec, m == null, m);
    }

    static String toJson(GenerationResult r, LoadedModel lm) {
        JsonObject o = new JsonObject();
        JsonArray ids = new JsonArray();
        for (long id : r.tokenIds()) {
            ids.add(id);
        }
        o.add("token_ids", ids);
        o.addProperty("text", lm.tokenizer == null ? null : lm.tokenizer.decode(r.tokenIds()));
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
        sb.append(String.format(Locale.ROOT, "%d tokens (%s) in %.1f ms, %.1f tokens/s decode; %s, E=%d",
                r.numGenerated(), r.finishReason().jsonName(), r.timeMs(), r.tokensPerSecond(),
                r.strategy().cliName(), r.exitLayer()));
        SpeculationStats s = r.speculation();
        if (s != null) {
            sb.append(String.format(Locale.ROOT, ", d=%d; acceptance %.2f (%.2f per verification)",
                    r.numSpeculations(), s.acceptanceRate(), s.meanAcceptedPerVerification()));
        }
        return sb.toString();
    }
}
