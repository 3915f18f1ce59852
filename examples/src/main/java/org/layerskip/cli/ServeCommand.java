package org.layerskip.cli;

import org.apache.logging.log4j.LogManager;
import org.layerskip.server.LayerSkipServer;
import org.layerskip.server.ServedModel;
import org.layerskip.server.ServerConfig;
import org.layerskip.server.ShutdownSignals;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code layerskip serve}: the OpenAI-compatible server. Prints exactly one line, {@code listening
 * on http://HOST:PORT}, on stdout once it accepts connections; logs go to stderr. SIGTERM or Ctrl-C
 * stops it gracefully and the process exits 0.
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description =
                "Serve the model over an OpenAI-compatible HTTP API with continuous batching.")
final class ServeCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin ModelOptions modelOptions;

    @Mixin EngineOption engineOption;

    @Option(
            names = "--host",
            defaultValue = "127.0.0.1",
            description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(
            names = "--port",
            defaultValue = "8080",
            description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--max-batch",
            paramLabel = "N",
            defaultValue = "8",
            description =
                    "Requests decoded together (rows of the continuous batch; default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(
            names = "--max-queue",
            paramLabel = "N",
            defaultValue = "64",
            description =
                    "Requests that may wait for a row; more get 429 (default: ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(
            names = "--max-tokens-limit",
            paramLabel = "N",
            defaultValue = "512",
            description =
                    "Largest max_tokens accepted, and the default (default: ${DEFAULT-VALUE}).")
    int maxTokensLimit;

    @Option(
            names = "--max-num-speculations",
            paramLabel = "D",
            defaultValue = "8",
            description = "Largest num_speculations accepted (default: ${DEFAULT-VALUE}).")
    int maxDraft;

    @Option(
            names = "--chat-template",
            paramLabel = "FILE",
            description =
                    "Jinja chat template to use instead of the model's tokenizer_config.json one.")
    Path chatTemplate;

    @Option(
            names = "--shutdown-grace",
            paramLabel = "SECONDS",
            defaultValue = "30",
            description =
                    "On SIGTERM, how long in-flight requests may take (default: ${DEFAULT-VALUE}).")
    int grace;

    @Override
    public Integer call() throws Exception {
        String m = modelOptions.check();
        SamplingChecks.require(spec, m == null, m);
        SamplingChecks.require(spec, grace >= 0, "--shutdown-grace must be >= 0, got " + grace);
        SamplingChecks.require(
                spec,
                chatTemplate == null || Files.isRegularFile(chatTemplate),
                "--chat-template: no such file: " + chatTemplate);
        ServerConfig config;
        try {
            config =
                    ServerConfig.builder()
                            .optHost(host)
                            .optPort(port)
                            .optMaxBatch(maxBatch)
                            .optMaxQueue(maxQueue)
                            .optMaxTokensLimit(maxTokensLimit)
                            .optMaxDraft(maxDraft)
                            .optEngine(engineOption.kind())
                            .optShutdownGrace(Duration.ofSeconds(grace))
                            .build();
        } catch (IllegalArgumentException e) {
            SamplingChecks.require(spec, false, e.getMessage());
            return LayerSkipCli.EXIT_USAGE;
        }
        if (modelOptions.threads != null) {
            System.setProperty("ai.djl.pytorch.num_threads", modelOptions.threads.toString());
        }
        String model = modelOptions.model;
        boolean quiet = !LogManager.getRootLogger().isInfoEnabled();
        try (ServedModel served =
                quiet
                        ? NativeStderr.silenced(
                                () ->
                                        ServedModel.load(
                                                model, modelOptions.dtype.dataType(), chatTemplate))
                        : ServedModel.load(model, modelOptions.dtype.dataType(), chatTemplate)) {
            LayerSkipServer server = LayerSkipServer.start(served, config);
            PrintWriter out = spec.commandLine().getOut();
            out.println("listening on " + server.url());
            out.flush();
            boolean drained = ShutdownSignals.awaitAndShutdown(server);
            spec.commandLine()
                    .getErr()
                    .println(
                            drained
                                    ? "stopped: all requests finished"
                                    : "stopped: unfinished requests were cancelled");
            return 0;
        }
    }
}
