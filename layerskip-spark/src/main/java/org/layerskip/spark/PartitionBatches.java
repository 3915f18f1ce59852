package org.layerskip.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * Streams a partition through a batch function: takes up to {@code batchSize} consecutive inputs,
 * maps them together, hands the outputs back one by one in input order, and only then reads the
 * next inputs. Memory stays at one batch whatever the partition size; an exception from the input
 * iterator or the function propagates (a failing task must fail, not lose rows).
 */
final class PartitionBatches {

    private PartitionBatches() {}

    /**
     * Maps an iterator batch by batch.
     *
     * @param in the inputs
     * @param batchSize inputs per call of {@code f} (&gt;= 1)
     * @param f maps a batch to exactly one output per input, in order
     * @param <I> input type
     * @param <O> output type
     * @return the outputs, lazily
     */
    static <I, O> Iterator<O> map(Iterator<I> in, int batchSize, Function<List<I>, List<O>> f) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        return new Iterator<>() {
            private Iterator<O> current = List.<O>of().iterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && in.hasNext()) {
                    List<I> batch = new ArrayList<>(batchSize);
                    while (batch.size() < batchSize && in.hasNext()) {
                        batch.add(in.next());
                    }
                    List<O> out = f.apply(batch);
                    if (out.size() != batch.size()) {
                        throw new IllegalStateException(
                                "batch of "
                                        + batch.size()
                                        + " rows gave "
                                        + out.size()
                                        + " results");
                    }
                    current = out.iterator();
                }
                return current.hasNext();
            }

            @Override
            public O next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }
}
