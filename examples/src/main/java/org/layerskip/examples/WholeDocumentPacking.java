package org.layerskip.examples;

import org.layerskip.tokenizer.LlamaTokenizer;
import org.layerskip.train.TokenSequences;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Packs training windows so that every extra document lies whole inside one window, the rest of the
 * window filled with the ordinary token stream.
 *
 * <p>Why: the copy-shaped documents ({@code scripts/make_copy_corpus.py}: a function, then its
 * renamed twin) only teach copying when the original is in the same window as the twin; cut into
 * consecutive windows like the rest of the text, most twins would lose their original to the
 * previous window. {@link TokenSequences#pack} has no such option, hence this packer (written here,
 * in the example that needs it, to keep the library's data class simple).
 */
final class WholeDocumentPacking {

    private WholeDocumentPacking() {}

    /**
     * Tokenizes documents one by one (BOS/EOS as {@link TokenSequences#tokenize} adds them).
     *
     * @param tokenizer the tokenizer
     * @param documents the texts
     * @return one id array per document
     */
    static List<long[]> tokenizeEach(LlamaTokenizer tokenizer, List<String> documents) {
        List<long[]> out = new ArrayList<>();
        for (String d : documents) {
            out.add(TokenSequences.tokenize(tokenizer, List.of(d)));
        }
        return out;
    }

    /**
     * Builds the windows: the whole documents in order, as many per window as fit, each window
     * topped up from the stream; then the rest of the stream in consecutive windows. Documents
     * longer than a window are left out. Deterministic.
     *
     * @param stream the ordinary token stream
     * @param documents the documents to keep whole
     * @param length tokens per window
     * @return the windows (the stream's tail shorter than a window is dropped)
     */
    static long[][] pack(long[] stream, List<long[]> documents, int length) {
        List<long[]> windows = new ArrayList<>();
        int pos = 0; // next unused stream token
        long[] w = new long[length];
        int fill = 0;
        for (long[] d : documents) {
            if (d.length > length) {
                continue;
            }
            if (fill + d.length > length) {
                int n = Math.min(length - fill, stream.length - pos);
                System.arraycopy(stream, pos, w, fill, n);
                pos += n;
                if (fill + n == length) {
                    windows.add(w);
                }
                w = new long[length];
                fill = 0;
            }
            System.arraycopy(d, 0, w, fill, d.length);
            fill += d.length;
        }
        if (fill > 0 && stream.length - pos >= length - fill) {
            System.arraycopy(stream, pos, w, fill, length - fill);
            pos += length - fill;
            windows.add(w);
        }
        for (; pos + length <= stream.length; pos += length) {
            windows.add(Arrays.copyOfRange(stream, pos, pos + length));
        }
        return windows.toArray(long[][]::new);
    }
}
