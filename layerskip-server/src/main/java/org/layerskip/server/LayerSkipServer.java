package org.layerskip.server;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;

import org.layerskip.generate.BatchScheduler;
import org.layerskip.generate.BatcherStats;
import org.layerskip.generate.ContinuousBatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * The OpenAI-compatible server: Javalin (Jetty 12) in front of one {@link BatchScheduler}, whose
 * thread owns the model's decode loop and batches every request continuously.
 *
 * <table>
 *   <caption>Endpoints</caption>
 *   <tr><td>{@code POST /v1/completions}</td><td>prompt text (or token ids) → text; JSON or SSE</td></tr>
 *   <tr><td>{@code POST /v1/chat/completions}</td><td>messages → the model's chat template → text</td></tr>
 *   <tr><td>{@code GET /v1/models}</td><td>the served model</td></tr>
 *   <tr><td>{@code GET /health}</td><td>200 while serving, 503 while shutting down</td></tr>
 *   <tr><td>{@code GET /metrics}</td><td>Prometheus text: requests, tokens, queue, occupancy, acceptance</td></tr>
 * </table>
 *
 * <p>Every refusal is an OpenAI error object with a 4xx status (429 with {@code Retry-After} when
 * the queue is full, 413 for oversized bodies); nothing a client sends can stop the server.
 */
public final class LayerSkipServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LayerSkipServer.class);
    private static final Gson GSON =
            new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

    private final ServedModel model;
    private final ServerConfig config;
    private final BatchScheduler scheduler;
    private final ServerMetrics metrics = new ServerMetrics();
    private final Javalin app;
    private final CompletionHandler completions;
    private final long created = System.currentTimeMillis() / 1000;
    private volatile boolean stopping;
    private boolean stopped;

    private LayerSkipServer(ServedModel model, ServerConfig config) {
        this.model = model;
        this.config = config;
        ContinuousBatcher batcher =
                ContinuousBatcher.builder(model.generator())
                        .optMaxBatch(config.maxBatch())
                        .optMaxQueue(config.maxQueue())
                        .optMaxDraft(
                                Math.max(
                                        config.maxDraft(),
                                        model.generator().getDefaultNumSpeculations()))
                        .optEngine(config.engine())
                        .build();
        this.scheduler = new BatchScheduler(batcher);
        CompletionHandler completions = new CompletionHandler(model, batcher, config, metrics);
        this.completions = completions;
        this.app =
                Javalin.create(
                        cfg -> {
                            cfg.startup.showJavalinBanner = false;
                            cfg.startup.showOldJavalinVersionWarning = false;
                            // streamed responses must reach the client token by token
                            cfg.http.compressionStrategy = CompressionStrategy.NONE;
                            cfg.http.maxRequestSize = config.maxBodyBytes();
                            cfg.routes.post(
                                    "/v1/completions", ctx -> completions.handle(ctx, false));
                            cfg.routes.post(
                                    "/v1/chat/completions", ctx -> completions.handle(ctx, true));
                            cfg.routes.get("/v1/models", this::models);
                            cfg.routes.get("/health", this::health);
                            cfg.routes.get("/metrics", this::metrics);
                            cfg.routes.exception(ApiException.class, this::apiError);
                            cfg.routes.exception(HttpResponseException.class, this::httpError);
                            cfg.routes.exception(Exception.class, this::internalError);
                            cfg.routes.error(
                                    404,
                                    ctx -> {
                                        if (ctx.result() == null) {
                                            json(
                                                    ctx,
                                                    404,
                                                    ApiException.errorJson(
                                                            "no such endpoint: "
                                                                    + ctx.method()
                                                                    + " "
                                                                    + ctx.path(),
                                                            "invalid_request_error",
                                                            null,
                                                            "not_found"));
                                        }
                                    });
                            cfg.routes.error(
                                    405,
                                    ctx ->
                                            json(
                                                    ctx,
                                                    405,
                                                    ApiException.errorJson(
                                                            ctx.method()
                                                                    + " is not allowed on "
                                                                    + ctx.path(),
                                                            "invalid_request_error",
                                                            null,
                                                            "method_not_allowed")));
                        });
    }

    /**
     * Starts a server on a loaded model.
     *
     * @param model the model (stays open after the server stops; close it yourself)
     * @param config where to listen and what to accept
     * @return the running server
     */
    public static LayerSkipServer start(ServedModel model, ServerConfig config) {
        LayerSkipServer s = new LayerSkipServer(model, config);
        try {
            s.app.start(config.host(), config.port());
        } catch (RuntimeException e) {
            s.scheduler.close();
            throw e;
        }
        LOG.info(
                "serving {} on {} (batch {}, engine {})",
                model.id(),
                s.url(),
                config.maxBatch(),
                s.scheduler.batcher().engineKind().id());
        return s;
    }

    /**
     * Returns the port the server listens on (the chosen one when started with port 0).
     *
     * @return the port
     */
    public int port() {
        return app.port();
    }

    /**
     * Returns the base URL, e.g. {@code http://127.0.0.1:8080}.
     *
     * @return the URL
     */
    public String url() {
        String h = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return "http://" + h + ":" + port();
    }

    /**
     * Returns the batcher's counters.
     *
     * @return a snapshot
     */
    public BatcherStats stats() {
        return scheduler.batcher().stats();
    }

    /**
     * Stops gracefully: {@code /health} turns 503 and new completions are refused (503) at once,
     * running and queued requests get the configured grace period to finish (streams keep
     * streaming), the rest are cancelled, then the HTTP server stops.
     *
     * @return true if every in-flight request finished within the grace period
     */
    public synchronized boolean shutdown() {
        if (stopped) {
            return true;
        }
        stopping = true;
        boolean drained;
        try {
            drained = scheduler.shutdown(config.shutdownGrace());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drained = false;
        }
        // let handlers write the last events of finished (or cancelled) streams
        long until = System.currentTimeMillis() + 5000;
        while (System.currentTimeMillis() < until && activeHandlers() > 0) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        app.stop();
        stopped = true;
        LOG.info(
                "stopped ({})",
                drained ? "all requests finished" : "unfinished requests were cancelled");
        return drained;
    }

    private int activeHandlers() {
        return completions.active.get();
    }

    /** Same as {@link #shutdown()}. */
    @Override
    public void close() {
        shutdown();
    }

    private void models(Context ctx) {
        JsonObject m = new JsonObject();
        m.addProperty("id", model.id());
        m.addProperty("object", "model");
        m.addProperty("created", created);
        m.addProperty("owned_by", "layerskip");
        JsonObject ls = new JsonObject();
        ls.addProperty("layers", model.model().numLayers());
        ls.addProperty("context", scheduler.batcher().maxContext());
        ls.addProperty("default_exit_layer", model.generator().getDefaultExitLayer());
        ls.addProperty("default_num_speculations", model.generator().getDefaultNumSpeculations());
        ls.addProperty("chat_template", model.chatTemplate().isPresent());
        m.add("layerskip", ls);
        JsonArray data = new JsonArray();
        data.add(m);
        JsonObject o = new JsonObject();
        o.addProperty("object", "list");
        o.add("data", data);
        json(ctx, 200, o);
    }

    private void health(Context ctx) {
        JsonObject o = new JsonObject();
        o.addProperty("status", stopping ? "shutting down" : "ok");
        o.addProperty("model", model.id());
        json(ctx, stopping ? 503 : 200, o);
    }

    private void metrics(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8");
        ctx.result(metrics.render(stats()));
    }

    private void apiError(ApiException e, Context ctx) {
        if (e.status() == 429 || e.status() == 503) {
            // counted where refused
        } else if (e.status() < 500) {
            metrics.invalid.incrementAndGet();
        }
        json(ctx, e.status(), e.toJson());
    }

    private void httpError(HttpResponseException e, Context ctx) {
        metrics.invalid.incrementAndGet();
        json(
                ctx,
                e.getStatus(),
                ApiException.errorJson(e.getMessage(), "invalid_request_error", null, null));
    }

    private void internalError(Exception e, Context ctx) {
        metrics.errors.incrementAndGet();
        LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
        json(
                ctx,
                500,
                ApiException.errorJson(
                        "internal error: " + e.getClass().getSimpleName() + ": " + e.getMessage(),
                        "server_error",
                        null,
                        null));
    }

    private static void json(Context ctx, int status, JsonObject o) {
        ctx.status(status);
        ctx.contentType("application/json");
        ctx.result(GSON.toJson(o));
    }

    /**
     * Returns the configuration.
     *
     * @return the configuration
     */
    public ServerConfig config() {
        return config;
    }

    /**
     * Returns the shutdown grace period.
     *
     * @return the grace
     */
    public Duration grace() {
        return config.shutdownGrace();
    }
}
