package org.layerskip.translate;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.Generator;
import org.layerskip.generate.TokenKind;
import org.layerskip.generate.TokenListener;
import org.layerskip.tokenizer.LlamaTokenizer;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One generation call as a stream of block outputs, for {@link GenerationBlock#forwardStreamIter}:
 * a worker thread runs the {@link Generator} and queues each token as it is accepted; the iterator
 * hands them out as {@link GenerationCodec#encodeToken} lists, then one last {@code [tokenIds,
 * result]} list (the non-streaming output). The queue is unbounded (at most max-new-tokens
 * entries), so a slow reader never stalls the model; {@link #close()} (closing the stream) stops
 * the generation at its next token.
 */
final class StreamingGeneration implements Iterator<NDList>, AutoCloseable {

    private static final Object END = new Object();

    private final NDManager manager;
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private volatile boolean cancelled;
    private Object next;
    private boolean ended;

    private record Token(long id, TokenKind kind) {}

    private record Done(GenerationResult result, List<TokenKind> kinds) {}

    StreamingGeneration(
            Generator generator,
            long[] prompt,
            GenerationOptions options,
            LlamaTokenizer tokenizer,
            List<String> stops,
            NDManager manager) {
        this.manager = manager;
        TextStreamListener text =
                stops.isEmpty() ? null : new TextStreamListener(tokenizer, stops, null);
        List<TokenKind> kinds = new ArrayList<>();
        TokenListener listener =
                new TokenListener() {
                    @Override
                    public void onToken(int row, long tokenId, TokenKind kind) {
                        kinds.add(kind);
                        if (text != null) {
                            text.onToken(row, tokenId, kind);
                        }
                        events.add(new Token(tokenId, kind));
                    }

                    @Override
                    public boolean stopRequested(int row) {
                        return cancelled || (text != null && text.stopRequested(row));
                    }
                };
        Thread worker =
                new Thread(
                        () -> {
                            try {
                                events.add(
                                        new Done(
                                                generator.generate(prompt, options, listener),
                                                kinds));
                            } catch (RuntimeException | Error e) {
                                events.add(e);
                            } finally {
                                events.add(END);
                            }
                        },
                        "layerskip-stream");
        worker.setDaemon(true);
        worker.start();
    }

    /** {@inheritDoc} */
    @Override
    public boolean hasNext() {
        if (next == null && !ended) {
            try {
                next = events.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new IllegalStateException("interrupted while streaming", e);
            }
            if (next == END) {
                next = null;
                ended = true;
            }
        }
        return next != null;
    }

    /** {@inheritDoc} */
    @Override
    public NDList next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Object e = next;
        next = null;
        if (e instanceof Token) {
            Token t = (Token) e;
            return GenerationCodec.encodeToken(manager, t.id(), t.kind());
        }
        if (e instanceof Done) {
            Done d = (Done) e;
            return GenerationCodec.encodeResult(manager, d.result(), d.kinds());
        }
        if (e instanceof RuntimeException) {
            throw (RuntimeException) e;
        }
        throw (Error) e;
    }

    /** Stops the generation at its next token (idempotent). */
    @Override
    public void close() {
        cancelled = true;
    }
}
