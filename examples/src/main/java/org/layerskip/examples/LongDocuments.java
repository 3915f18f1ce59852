package org.layerskip.examples;

import org.layerskip.tokenizer.LlamaTokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Long-document windows of a file corpus: each file is tokenized on its own (with BOS) and cut into
 * consecutive, non-overlapping windows of {@code length} tokens that never cross a file boundary;
 * files shorter than one window contribute nothing, and each file's tail is dropped. So position
 * {@code j} of a window always has {@code j} tokens of the same document before it.
 *
 * <p>The training files are those listed in {@code train-files.txt} (as written by {@code
 * scripts/train_tokenizer.py}); the held-out files are the corpus folder's other files with the
 * same extension.
 *
 * @param train training windows
 * @param heldout held-out windows
 * @param trainFiles training files that gave at least one window / all training files
 * @param heldoutFiles held-out files that gave at least one window, by name
 */
record LongDocuments(
        long[][] train, long[][] heldout, String trainFiles, List<String> heldoutFiles) {

    /**
     * Reads the corpus and cuts it into windows.
     *
     * @param tokenizer the tokenizer
     * @param trainList {@code train-files.txt}: one training file path per line
     * @param corpus the corpus folder (held-out files are its other {@code *.py} files)
     * @param length tokens per window ({@code T + 1} for training)
     * @return the windows
     * @throws IOException if a file is unreadable
     */
    static LongDocuments load(LlamaTokenizer tokenizer, Path trainList, Path corpus, int length)
            throws IOException {
        List<Path> train = new ArrayList<>();
        for (String line : Files.readAllLines(trainList, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                train.add(Path.of(line.strip()));
            }
        }
        Set<Path> seen = new HashSet<>();
        train.forEach(p -> seen.add(p.toAbsolutePath().normalize()));
        List<Path> heldout = new ArrayList<>();
        try (Stream<Path> files = Files.list(corpus)) {
            files.filter(p -> p.getFileName().toString().endsWith(".py"))
                    .filter(p -> !seen.contains(p.toAbsolutePath().normalize()))
                    .sorted()
                    .forEach(heldout::add);
        }
        List<long[]> trainWindows = new ArrayList<>();
        int used = 0;
        for (Path f : train) {
            used += windows(tokenizer, f, length, trainWindows) > 0 ? 1 : 0;
        }
        List<long[]> heldWindows = new ArrayList<>();
        List<String> heldUsed = new ArrayList<>();
        for (Path f : heldout) {
            int n = windows(tokenizer, f, length, heldWindows);
            if (n > 0) {
                heldUsed.add(f.getFileName() + " (" + n + ")");
            }
        }
        if (trainWindows.isEmpty() || heldWindows.isEmpty()) {
            throw new IllegalArgumentException(
                    "no document has " + length + " tokens in the train or held-out set");
        }
        return new LongDocuments(
                trainWindows.toArray(long[][]::new),
                heldWindows.toArray(long[][]::new),
                used + "/" + train.size(),
                heldUsed);
    }

    /** Appends the windows of one file; returns how many. */
    private static int windows(LlamaTokenizer tokenizer, Path file, int length, List<long[]> out)
            throws IOException {
        long[] ids = tokenizer.encode(Files.readString(file, StandardCharsets.UTF_8));
        int n = ids.length / length;
        for (int i = 0; i < n; i++) {
            out.add(Arrays.copyOfRange(ids, i * length, (i + 1) * length));
        }
        return n;
    }
}
