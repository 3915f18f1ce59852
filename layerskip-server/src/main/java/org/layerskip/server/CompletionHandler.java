package org.layerskip.server;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;

import io.javalin.http.Context;

import org.layerskip.generate.BatchedSequence;
import org.layerskip.generate.ContinuousBatcher;
import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.io.SamplingDefaults;
import org.layerskip.tokenizer.ChatTemplate;
import org.layerskip.tokenizer.TokenizerException;
import org.layerskip.translate.TextStreamListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one {@code /v1/completions} or {@code /v1/chat/completions} request: reads and validates the
 * body, turns the prompt or conversation into ids (the chat template), builds the generation
 * options ({@code generation_config.json} sampling defaults for what the request leaves out),
 * submits the sequence to the continuous batcher with a {@link TextStreamListener} (detokenization
 * and stop strings on the scheduler thread), and answers with one JSON object or a stream of
 * server-sent events. A client that disconnects mid-stream has its sequence cancelled at once: the
 * scheduler frees its row before its next step.
 */
final class CompletionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(CompletionHandler.class);
    private static final Gson GSON =
            new GsonBuilder().serializeNulls().disableHtmlEscaping().create();
    private static final Object END = new Object();

    /** The most bytes of a rejected body read and discarded before the 413 (see drain()). */
    private static final long DRAIN_BYTES = 16L << 20;

    private final ServedModel model;
    private final ContinuousBatcher batcher;
    private final ServerConfig config;
    private final ServerMetrics metrics;

    CompletionHandler(
            ServedModel model,
            ContinuousBatcher batcher,
            ServerConfig config,
            ServerMetrics metrics) {
        this.model = model;
        this.batcher = batcher;
        this.config = config;
        this.metrics = metrics;
    }

    /** Requests inside {@link #handle} (the server waits for them before it stops). */
    final java.util.concurrent.atomic.AtomicInteger active =
            new java.util.concurrent.atomic.AtomicInteger();

    void handle(Context ctx, boolean chat) throws IOException {
        active.incrementAndGet();
        try {
            run(ctx, chat);
        } finally {
            active.decrementAndGet();
        }
    }

    private void run(Context ctx, boolean chat) throws IOException {
        CompletionRequest q = RequestParser.parse(readBody(ctx), chat);
        long[] ids = promptIds(q);
        GenerationOptions options = options(q, ids.length);
        BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        TextStreamListener text =
                new TextStreamListener(
                        model.tokenizer(),
                        q.stop(),
                        (piece, id, kind) -> events.add(new Piece(piece, id, kind.ordinal())));
        BatchedSequence seq;
        try {
            seq = batcher.submit(ids, options, text);
        } catch (RejectedExecutionException e) {
            metrics.rejected.incrementAndGet();
            ctx.header("Retry-After", "1");
            throw new ApiException(429, "rate_limit_error", null, "queue_full", e.getMessage());
        } catch (IllegalStateException e) {
            metrics.rejected.incrementAndGet();
            throw new ApiException(
                    503, "server_error", null, "shutting_down", "the server is shutting down");
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(null, e.getMessage());
        }
        seq.result().whenComplete((r, e) -> events.add(END));
        String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        long submitted = System.nanoTime();
        if (q.stream()) {
            stream(ctx, q, seq, text, events, id, created, submitted);
        } else {
            GenerationResult r = await(seq);
            String out = text.text() + text.finish();
            metrics.ok.incrementAndGet();
            byte[] json =
                    GSON.toJson(
                                    Responses.completion(
                                            chat,
                                            id,
                                            created,
                                            model.id(),
                                            out,
                                            r,
                                            queueNanos(r, submitted)))
                            .getBytes(StandardCharsets.UTF_8);
            // written and completed here, not after the handler returns: a stopping server waits
            // for handlers, so nothing may still be unsent when they return
            ctx.status(200);
            ctx.res().setContentType("application/json");
            ctx.res().setContentLength(json.length);
            try (OutputStream os = ctx.res().getOutputStream()) {
                os.write(json);
            }
        }
    }

    private record Piece(String text, long id, int kind) {}

    private void stream(
            Context ctx,
            CompletionRequest q,
            BatchedSequence seq,
            TextStreamListener text,
            BlockingQueue<Object> events,
            String id,
            long created,
            long submitted) {
        metrics.streamed.incrementAndGet();
        ctx.status(200);
        ctx.res().setContentType("text/event-stream");
        ctx.res().setCharacterEncoding("UTF-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        ctx.res().setHeader("X-Accel-Buffering", "no");
        boolean chat = q.chat();
        String name = model.id();
        long deadline = System.nanoTime() + config.requestTimeout().toNanos();
        try {
            OutputStream out = ctx.res().getOutputStream();
            if (chat) {
                send(out, Responses.chunk(true, id, created, name, "", "assistant", null, null));
            }
            List<long[]> tokens = new ArrayList<>();
            while (true) {
                Object e = events.poll(200, TimeUnit.MILLISECONDS);
                if (e == null) {
                    if (System.nanoTime() > deadline) {
                        seq.cancel();
                        sendError(out, "the request timed out", "timeout");
                        return;
                    }
                    continue;
                }
                if (e == END) {
                    break;
                }
                Piece p = (Piece) e;
                tokens.add(new long[] {p.id(), p.kind()});
                if (!p.text().isEmpty()) {
                    send(
                            out,
                            Responses.chunk(chat, id, created, name, p.text(), null, null, tokens));
                    tokens = new ArrayList<>();
                }
            }
            GenerationResult r;
            try {
                r = seq.result().get();
            } catch (ExecutionException x) {
                metrics.errors.incrementAndGet();
                LOG.warn("request {} failed: {}", id, x.getCause().getMessage());
                sendError(out, x.getCause().getMessage(), "generation_failed");
                return;
            }
            String tail = text.finish();
            if (!tail.isEmpty() || !tokens.isEmpty()) {
                send(out, Responses.chunk(chat, id, created, name, tail, null, null, tokens));
            }
            send(
                    out,
                    Responses.chunk(
                            chat,
                            id,
                            created,
                            name,
                            chat ? null : "",
                            null,
                            Responses.finishReason(r.finishReason()),
                            null));
            if (q.includeUsage()) {
                send(
                        out,
                        Responses.usageChunk(chat, id, created, name, r, queueNanos(r, submitted)));
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.close(); // completes the chunked response now
            metrics.ok.incrementAndGet();
        } catch (IOException | RuntimeException e) {
            // the client went away (or the connection broke): free its row now
            seq.cancel();
            metrics.disconnected.incrementAndGet();
            LOG.info("request {}: client disconnected ({})", id, e.getMessage());
        } catch (InterruptedException e) {
            seq.cancel();
            Thread.currentThread().interrupt();
        }
    }

    private static void send(OutputStream out, JsonObject o) throws IOException {
        out.write(("data: " + GSON.toJson(o) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void sendError(OutputStream out, String message, String code)
            throws IOException {
        send(out, ApiException.errorJson(message, "server_error", null, code));
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.close();
    }

    private GenerationResult await(BatchedSequence seq) {
        try {
            return seq.result().get(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            seq.cancel();
            metrics.errors.incrementAndGet();
            throw new ApiException(504, "server_error", null, "timeout", "the request timed out");
        } catch (ExecutionException e) {
            metrics.errors.incrementAndGet();
            throw new ApiException(
                    500, "server_error", null, "generation_failed", e.getCause().getMessage());
        } catch (InterruptedException e) {
            seq.cancel();
            Thread.currentThread().interrupt();
            throw new ApiException(503, "server_error", null, "interrupted", "interrupted");
        }
    }

    private static long queueNanos(GenerationResult r, long submitted) {
        long total = System.nanoTime() - submitted;
        return Math.max(0, total - r.prefillNanos() - r.decodeNanos());
    }

    private byte[] readBody(Context ctx) throws IOException {
        long limit = config.maxBodyBytes();
        long declared = ctx.req().getContentLengthLong();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        try (InputStream in = ctx.req().getInputStream()) {
            if (declared > limit) {
                if (declared <= DRAIN_BYTES) {
                    drain(in, chunk);
                }
                throw tooLarge(limit);
            }
            int n;
            while ((n = in.read(chunk)) != -1) {
                if (buf.size() + n > limit) {
                    drain(in, chunk);
                    throw tooLarge(limit);
                }
                buf.write(chunk, 0, n);
            }
        }
        return buf.toByteArray();
    }

    /**
     * Reads and discards what is left of a body that is too large, up to {@link #DRAIN_BYTES}: a
     * server that answers and closes while the client is still sending resets the connection, and
     * the client then never sees the 413 (ServerApiTest caught it under load). Beyond the bound the
     * connection is closed without reading on.
     */
    private static void drain(InputStream in, byte[] chunk) throws IOException {
        long left = DRAIN_BYTES;
        int n;
        while (left > 0 && (n = in.read(chunk)) != -1) {
            left -= n;
        }
    }

    private static ApiException tooLarge(long limit) {
        return new ApiException(
                413,
                "invalid_request_error",
                null,
                "body_too_large",
                "the request body is larger than this server's limit of " + limit + " bytes");
    }

    private long[] promptIds(CompletionRequest q) {
        try {
            if (q.chat()) {
                ChatTemplate t =
                        model.chatTemplate()
                                .orElseThrow(
                                        () ->
                                                ApiException.invalid(
                                                        "messages",
                                                        "model '"
                                                                + model.id()
                                                                + "' has no chat template (no"
                                                                + " chat_template in tokenizer_config.json); use"
                                                                + " /v1/completions, or start the server with"
                                                                + " --chat-template FILE"));
                return t.encode(model.tokenizer(), q.messages());
            }
            if (q.promptIds() != null) {
                return q.promptIds();
            }
            if (q.prompt().isEmpty()) {
                throw ApiException.invalid("prompt", "prompt must not be empty");
            }
            return model.tokenizer().encode(q.prompt());
        } catch (TokenizerException e) {
            throw ApiException.invalid(q.chat() ? "messages" : "prompt", e.getMessage());
        } catch (ApiException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("messages", e.getMessage());
        }
    }

    private GenerationOptions options(CompletionRequest q, int promptTokens) {
        int context = batcher.maxContext();
        String maxName = "max_tokens";
        int maxTokens;
        if (q.maxTokens() != null) {
            maxTokens = q.maxTokens();
            if (maxTokens > config.maxTokensLimit()) {
                throw ApiException.invalid(
                        maxName,
                        "max_tokens ("
                                + maxTokens
                                + ") exceeds this server's limit of "
                                + config.maxTokensLimit());
            }
            if ((long) promptTokens + maxTokens > context) {
                throw new ApiException(
                        400,
                        "invalid_request_error",
                        "max_tokens",
                        "context_length_exceeded",
                        "this model's context is "
                                + context
                                + " tokens; the prompt has "
                                + promptTokens
                                + " and max_tokens asks for "
                                + maxTokens);
            }
        } else {
            maxTokens = Math.min(config.maxTokensLimit(), context - promptTokens);
            if (maxTokens < 1) {
                throw new ApiException(
                        400,
                        "invalid_request_error",
                        q.chat() ? "messages" : "prompt",
                        "context_length_exceeded",
                        "the prompt has "
                                + promptTokens
                                + " tokens; this model's context is "
                                + context);
            }
        }
        SamplingDefaults d = model.sampling();
        GenerationOptions.Builder b =
                GenerationOptions.builder()
                        .optStrategy(
                                q.strategy() != null
                                        ? q.strategy()
                                        : DecodingStrategy.SELF_SPECULATIVE)
                        .optMaxNewTokens(maxTokens)
                        .optExitLayer(q.exitLayer() == null ? 0 : q.exitLayer())
                        .optNumSpeculations(q.numSpeculations() == null ? 0 : q.numSpeculations())
                        .optTemperature(q.temperature() != null ? q.temperature() : d.temperature())
                        .optTopP(q.topP() != null ? q.topP() : d.topP())
                        .optTopK(q.topK() != null ? q.topK() : d.topK())
                        .optSeed(
                                q.seed() != null
                                        ? q.seed()
                                        : ThreadLocalRandom.current().nextLong());
        return b.build();
    }
}
