package org.layerskip.translate;

import ai.djl.ndarray.NDList;

import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.TokenKind;
import org.layerskip.tokenizer.LlamaTokenizer;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.Stream;

/**
 * The tokens of one generation as they are accepted: what {@code Predictor.streamingPredict}
 * returns for {@code GenerationRequest → GenerationStream} (see {@link
 * GenerationStreamTranslator}). Iterate it for {@link StreamedToken}s; once it is exhausted, {@link
 * #response()} has the whole text, finish reason and statistics. Closing it before the end stops
 * the generation.
 *
 * <pre>{@code
 * try (GenerationStream s = predictor.streamingPredict(request).getIterativeOutput()) {
 *     s.forEachRemaining(t -> System.out.print(t.text()));
 *     System.out.println(s.response().finishReason());
 * }
 * }</pre>
 *
 * <p>Not thread-safe: read it from one thread.
 */
public final class GenerationStream implements Iterator<StreamedToken>, AutoCloseable {

    private final Iterator<NDList> source;
    private final Runnable onClose;
    private final TextStreamListener text;
    private final Deque<StreamedToken> ready = new ArrayDeque<>();
    private GenerationResponse response;

    private GenerationStream(
            Iterator<NDList> source,
            Runnable onClose,
            LlamaTokenizer tokenizer,
            List<String> stops) {
        this.source = source;
        this.onClose = onClose;
        this.text =
                new TextStreamListener(
                        tokenizer,
                        stops,
                        (t, id, kind) -> ready.add(new StreamedToken(id, t, kind)));
    }

    /**
     * A stream over the block's streamed outputs.
     *
     * @param outputs the block's lists (tokens, then the final output)
     * @param tokenizer the tokenizer, or null (empty texts)
     * @param stops the request's stop strings (cut from the text)
     * @return the stream
     */
    static GenerationStream of(
            Stream<NDList> outputs, LlamaTokenizer tokenizer, List<String> stops) {
        return new GenerationStream(outputs.iterator(), outputs::close, tokenizer, stops);
    }

    /**
     * A stream over a finished generation (the non-streaming {@code predict}).
     *
     * @param output the block output
     * @param tokenizer the tokenizer, or null
     * @param stops the request's stop strings
     * @return the stream
     */
    static GenerationStream ofResult(NDList output, LlamaTokenizer tokenizer, List<String> stops) {
        GenerationResult r = GenerationCodec.decodeResult(output);
        List<TokenKind> kinds = GenerationCodec.decodeKinds(output);
        GenerationStream s =
                new GenerationStream(List.<NDList>of().iterator(), () -> {}, tokenizer, stops);
        long[] ids = r.tokenIds();
        for (int i = 0; i < ids.length; i++) {
            s.text.onToken(0, ids[i], kinds == null ? TokenKind.PLAIN : kinds.get(i));
        }
        s.end(r);
        return s;
    }

    /** {@inheritDoc} */
    @Override
    public boolean hasNext() {
        while (ready.isEmpty() && response == null && source.hasNext()) {
            NDList l = source.next();
            if (GenerationCodec.isToken(l)) {
                GenerationCodec.Token t = GenerationCodec.decodeToken(l);
                text.onToken(0, t.id(), t.kind());
            } else {
                end(GenerationCodec.decodeResult(l));
            }
        }
        return !ready.isEmpty();
    }

    /** {@inheritDoc} */
    @Override
    public StreamedToken next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return ready.poll();
    }

    /**
     * Returns the whole response (text without the stop string, ids, finish reason, statistics).
     *
     * @return the response
     * @throws IllegalStateException before the stream is exhausted
     */
    public GenerationResponse response() {
        if (response == null) {
            throw new IllegalStateException(
                    "the stream has not ended yet; read it to the end first");
        }
        return response;
    }

    /** Stops the generation if it still runs. */
    @Override
    public void close() {
        onClose.run();
    }

    private void end(GenerationResult r) {
        String tail = text.finish();
        if (!tail.isEmpty()) {
            // the held-back end of the text goes out with a last, token-less piece
            ready.add(new StreamedToken(-1, tail, null));
        }
        response = new GenerationResponse(text.text(), r);
    }
}
