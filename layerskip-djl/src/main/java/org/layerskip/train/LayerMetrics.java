package org.layerskip.train;

/**
 * Held-out quality at each exit layer.
 *
 * @param layers the exit layers E (1-based: E = 1 is the output of the first layer)
 * @param perplexity exp(mean token negative log-likelihood) at each exit
 * @param accuracy next-token top-1 accuracy at each exit
 * @param tokens the number of predicted tokens evaluated
 */
public record LayerMetrics(int[] layers, double[] perplexity, double[] accuracy, long tokens) {

    /**
     * Renders a Markdown table.
     *
     * @return the table
     */
    public String toTable() {
        StringBuilder sb = new StringBuilder("| exit | ppl | acc |\n|---:|---:|---:|\n");
        for (int i = 0; i < layers.length; i++) {
            sb.append(
                    String.format("| %d | %.3f | %.4f |%n", layers[i], perplexity[i], accuracy[i]));
        }
        return sb.toString();
    }
}
