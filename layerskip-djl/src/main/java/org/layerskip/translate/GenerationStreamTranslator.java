package org.layerskip.translate;

import ai.djl.inference.streaming.StreamingTranslator;
import ai.djl.ndarray.NDList;
import ai.djl.translate.Batchifier;
import ai.djl.translate.TranslatorContext;

import org.layerskip.generate.GenerationOptions;
import org.layerskip.tokenizer.ChatTemplate;
import org.layerskip.tokenizer.LlamaTokenizer;

import java.util.stream.Stream;

/**
 * DJL's streaming translator for LayerSkip: {@link GenerationRequest} in, {@link GenerationStream}
 * out. With {@code Predictor.streamingPredict(request).getIterativeOutput()} the tokens arrive as
 * the {@link GenerationBlock} accepts them, each with its text and whether it was an accepted draft
 * or the verifier's; {@code predict(request)} gives the same stream over a finished generation.
 * Requests are what {@link GenerationRequestTranslator} takes (text, ids or chat messages, option
 * overrides, stop strings).
 *
 * <pre>{@code
 * Criteria<GenerationRequest, GenerationStream> c = Criteria.builder()
 *         .setTypes(GenerationRequest.class, GenerationStream.class)
 *         .optModelUrls("djl://org.layerskip/tiny-layerskip").build();
 * try (ZooModel<GenerationRequest, GenerationStream> m = c.loadModel();
 *         Predictor<GenerationRequest, GenerationStream> p = m.newPredictor();
 *         GenerationStream s = p.streamingPredict(GenerationRequest.ofText("def f(")).getIterativeOutput()) {
 *     s.forEachRemaining(t -> System.out.print(t.text()));
 * }
 * }</pre>
 *
 * <p>Iterative output only: the tokens are produced while the stream is read ({@code
 * getAsyncOutput} is not supported). Thread-safe like {@link GenerationRequestTranslator}.
 */
public final class GenerationStreamTranslator
        implements StreamingTranslator<GenerationRequest, GenerationStream> {

    private final LlamaTokenizer tokenizer;
    private final ChatTemplate template;
    private final GenerationOptions defaults;

    /**
     * Creates the translator.
     *
     * @param tokenizer the tokenizer, or null for id-only use (empty texts)
     * @param template the chat template, or null
     * @param defaults options that requests override
     */
    public GenerationStreamTranslator(
            LlamaTokenizer tokenizer, ChatTemplate template, GenerationOptions defaults) {
        this.tokenizer = tokenizer;
        this.template = template;
        this.defaults = defaults;
    }

    /** {@inheritDoc} */
    @Override
    public NDList processInput(TranslatorContext ctx, GenerationRequest input) {
        return GenerationRequestTranslator.encode(ctx, input, tokenizer, template, defaults);
    }

    /** {@inheritDoc} */
    @Override
    public GenerationStream processOutput(TranslatorContext ctx, NDList list) {
        return GenerationStream.ofResult(list, tokenizer, GenerationRequestTranslator.stops(ctx));
    }

    /** {@inheritDoc} */
    @Override
    public StreamOutput<GenerationStream> processStreamOutput(
            TranslatorContext ctx, Stream<NDList> list) {
        GenerationStream stream =
                GenerationStream.of(list, tokenizer, GenerationRequestTranslator.stops(ctx));
        return new StreamOutput<>() {
            @Override
            protected GenerationStream buildAsyncOutput() {
                throw new UnsupportedOperationException("use getIterativeOutput()");
            }

            @Override
            protected void computeAsyncOutputInternal(GenerationStream output) {
                throw new UnsupportedOperationException("use getIterativeOutput()");
            }

            @Override
            public GenerationStream getIterativeOutputInternal() {
                return stream;
            }
        };
    }

    /** {@inheritDoc} One request per call: no batching dimension. */
    @Override
    public Batchifier getBatchifier() {
        return null;
    }

    /** {@inheritDoc} */
    @Override
    public Support getSupport() {
        return Support.ITERATIVE;
    }
}
