package org.layerskip.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.layerskip.tokenizer.LlamaTokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A language-modelling dataset of fixed-length token windows: documents are tokenized (BOS/EOS as
 * the tokenizer configuration asks, plus EOS between documents when the tokenizer has one), joined
 * into one stream and cut into consecutive windows of {@code length} tokens (the tail is dropped).
 * For training, {@code length = T + 1}: the model reads the first T tokens and predicts the last T.
 *
 * <p>Batches come from a seeded sample stream — epoch e visits the windows in the order of a
 * Fisher–Yates permutation seeded from (seed, e) — and {@link #batch} is a pure function of the
 * batch index, so a resumed run sees exactly the batches an uninterrupted run would.
 */
public final class TokenSequences {

    private final long[][] windows;
    private final long seed;
    private long cachedEpoch = -1;
    private int[] cachedOrder;

    private TokenSequences(long[][] windows, long seed) {
        this.windows = windows;
        this.seed = seed;
    }

    /**
     * Wraps prepared windows.
     *
     * @param windows equal-length token windows
     * @param seed the shuffle seed
     * @return the dataset
     */
    public static TokenSequences of(long[][] windows, long seed) {
        if (windows.length == 0) {
            throw new IllegalArgumentException("no token windows: the text is too short");
        }
        for (long[] w : windows) {
            if (w.length != windows[0].length) {
                throw new IllegalArgumentException("token windows must have equal length");
            }
        }
        return new TokenSequences(windows, seed);
    }

    /**
     * Tokenizes documents and packs them into windows.
     *
     * @param tokenizer the tokenizer
     * @param documents the texts
     * @param length tokens per window (T + 1 for training)
     * @param seed the shuffle seed
     * @return the dataset
     */
    public static TokenSequences pack(
            LlamaTokenizer tokenizer, List<String> documents, int length, long seed) {
        long[] stream = tokenize(tokenizer, documents);
        int n = stream.length / length;
        long[][] windows = new long[n][];
        for (int i = 0; i < n; i++) {
            windows[i] = Arrays.copyOfRange(stream, i * length, (i + 1) * length);
        }
        return of(windows, seed);
    }

    /**
     * Tokenizes documents into one stream (EOS between documents when the tokenizer has one).
     *
     * @param tokenizer the tokenizer
     * @param documents the texts
     * @return the token stream
     */
    public static long[] tokenize(LlamaTokenizer tokenizer, List<String> documents) {
        List<long[]> parts = new ArrayList<>();
        long total = 0;
        List<Long> eos = tokenizer.eosTokenIds();
        for (String doc : documents) {
            long[] ids = tokenizer.encode(doc);
            boolean endsWithEos = ids.length > 0 && eos.contains(ids[ids.length - 1]);
            if (!endsWithEos && !eos.isEmpty()) {
                ids = Arrays.copyOf(ids, ids.length + 1);
                ids[ids.length - 1] = eos.get(0);
            }
            parts.add(ids);
            total += ids.length;
        }
        long[] stream = new long[Math.toIntExact(total)];
        int pos = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, stream, pos, p.length);
            pos += p.length;
        }
        return stream;
    }

    /**
     * Reads UTF-8 text files.
     *
     * @param files the files
     * @return their contents, in order
     * @throws IOException if a file is unreadable
     */
    public static List<String> readAll(List<Path> files) throws IOException {
        List<String> texts = new ArrayList<>();
        for (Path f : files) {
            texts.add(Files.readString(f, StandardCharsets.UTF_8));
        }
        return texts;
    }

    /**
     * Splits files into a training and a held-out set: a seeded shuffle of the (sorted) files, then
     * held-out files are taken from the front until they hold at least {@code heldoutFraction} of
     * the bytes.
     *
     * @param files the corpus files
     * @param heldoutFraction the share of bytes to hold out, in [0, 1)
     * @param seed the shuffle seed
     * @return the split, each list sorted by path
     * @throws IOException if a file size is unreadable
     */
    public static Split split(List<Path> files, double heldoutFraction, long seed)
            throws IOException {
        List<Path> sorted = new ArrayList<>(files);
        sorted.sort(null);
        int[] order = permutation(sorted.size(), new SplittableRandom(seed));
        long totalBytes = 0;
        for (Path f : sorted) {
            totalBytes += Files.size(f);
        }
        List<Path> heldout = new ArrayList<>();
        List<Path> train = new ArrayList<>();
        long held = 0;
        for (int i : order) {
            Path f = sorted.get(i);
            if (held < heldoutFraction * totalBytes) {
                heldout.add(f);
                held += Files.size(f);
            } else {
                train.add(f);
            }
        }
        heldout.sort(null);
        train.sort(null);
        return new Split(train, heldout);
    }

    /**
     * A train / held-out split of files.
     *
     * @param train the training files
     * @param heldout the held-out files
     */
    public record Split(List<Path> train, List<Path> heldout) {}

    /**
     * Returns the number of windows.
     *
     * @return N
     */
    public int size() {
        return windows.length;
    }

    /**
     * Returns the window length.
     *
     * @return tokens per window
     */
    public int length() {
        return windows[0].length;
    }

    /**
     * Returns one window.
     *
     * @param i the index
     * @return the tokens (not a copy; do not modify)
     */
    public long[] get(int i) {
        return windows[i];
    }

    /**
     * Returns the window indices of batch {@code index} in the seeded sample stream.
     *
     * @param index the 0-based batch index (global micro-batch counter)
     * @param batchSize B
     * @return B window indices
     */
    public synchronized int[] batchIndices(long index, int batchSize) {
        int[] out = new int[batchSize];
        int n = windows.length;
        for (int j = 0; j < batchSize; j++) {
            long s = index * batchSize + j;
            long epoch = s / n;
            if (epoch != cachedEpoch) {
                cachedOrder =
                        permutation(n, new SplittableRandom(LayerDropout.mix(seed, epoch, 0, -1)));
                cachedEpoch = epoch;
            }
            out[j] = cachedOrder[(int) (s % n)];
        }
        return out;
    }

    /**
     * Creates batch {@code index} of the seeded sample stream.
     *
     * @param manager where to create the array
     * @param index the 0-based batch index
     * @param batchSize B
     * @return token ids {@code (B, length)} int64
     */
    public NDArray batch(NDManager manager, long index, int batchSize) {
        return rows(manager, batchIndices(index, batchSize));
    }

    /**
     * Creates a batch from window indices.
     *
     * @param manager where to create the array
     * @param indices window indices
     * @return token ids {@code (indices.length, length)} int64
     */
    public NDArray rows(NDManager manager, int[] indices) {
        int len = length();
        long[] flat = new long[indices.length * len];
        for (int j = 0; j < indices.length; j++) {
            System.arraycopy(windows[indices[j]], 0, flat, j * len, len);
        }
        return manager.create(flat, new Shape(indices.length, len));
    }

    private static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
