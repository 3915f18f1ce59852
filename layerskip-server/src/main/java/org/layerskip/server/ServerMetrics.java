package org.layerskip.server;

import org.layerskip.generate.BatcherStats;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server's counters, rendered for {@code GET /metrics} in the Prometheus text format: requests
 * by outcome, tokens, queue length, running requests and batch occupancy, drafted and accepted
 * tokens and the acceptance rate (the last ones from the {@link
 * org.layerskip.generate.ContinuousBatcher}).
 */
final class ServerMetrics {

    final AtomicLong ok = new AtomicLong();
    final AtomicLong invalid = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicLong disconnected = new AtomicLong();
    final AtomicLong streamed = new AtomicLong();

    String render(BatcherStats s) {
        StringBuilder sb = new StringBuilder();
        header(sb, "layerskip_http_requests_total", "completion requests by outcome", "counter");
        line(sb, "layerskip_http_requests_total{outcome=\"ok\"}", ok.get());
        line(sb, "layerskip_http_requests_total{outcome=\"invalid\"}", invalid.get());
        line(sb, "layerskip_http_requests_total{outcome=\"rejected\"}", rejected.get());
        line(sb, "layerskip_http_requests_total{outcome=\"error\"}", errors.get());
        line(sb, "layerskip_http_requests_total{outcome=\"disconnected\"}", disconnected.get());
        metric(
                sb,
                "layerskip_streamed_requests_total",
                "requests answered with server-sent events",
                "counter",
                streamed.get());
        header(sb, "layerskip_sequences_total", "sequences by how they ended", "counter");
        line(sb, "layerskip_sequences_total{end=\"completed\"}", s.completed());
        line(sb, "layerskip_sequences_total{end=\"cancelled\"}", s.cancelled());
        line(sb, "layerskip_sequences_total{end=\"failed\"}", s.failed());
        metric(
                sb,
                "layerskip_prompt_tokens_total",
                "prompt tokens prefilled",
                "counter",
                s.promptTokens());
        metric(
                sb,
                "layerskip_completion_tokens_total",
                "tokens generated",
                "counter",
                s.completionTokens());
        metric(
                sb,
                "layerskip_queue_length",
                "requests waiting for a batch row",
                "gauge",
                s.waiting());
        metric(
                sb,
                "layerskip_running_requests",
                "requests holding a batch row",
                "gauge",
                s.running());
        metric(sb, "layerskip_batch_rows", "rows of the continuous batch", "gauge", s.maxBatch());
        metric(
                sb,
                "layerskip_decode_steps_total",
                "decode steps over the batch",
                "counter",
                s.rounds());
        metric(
                sb,
                "layerskip_batch_occupancy_mean",
                "mean rows per decode step since start",
                "gauge",
                s.meanOccupancy());
        metric(sb, "layerskip_draft_tokens_total", "draft tokens proposed", "counter", s.drafted());
        metric(
                sb,
                "layerskip_accepted_tokens_total",
                "draft tokens accepted",
                "counter",
                s.accepted());
        metric(
                sb,
                "layerskip_acceptance_rate",
                "accepted / drafted since start",
                "gauge",
                s.acceptanceRate());
        return sb.toString();
    }

    private static void header(StringBuilder sb, String name, String help, String type) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void metric(
            StringBuilder sb, String name, String help, String type, double value) {
        header(sb, name, help, type);
        line(sb, name, value);
    }

    private static void line(StringBuilder sb, String name, double value) {
        sb.append(name).append(' ');
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            sb.append((long) value);
        } else {
            sb.append(String.format(Locale.ROOT, "%.6f", value));
        }
        sb.append('\n');
    }
}
