/**
 * An OpenAI-compatible HTTP server over LayerSkip-DJL: {@code /v1/completions} and {@code
 * /v1/chat/completions} (JSON or server-sent events), {@code /v1/models}, {@code /health} and
 * {@code /metrics}, with every request decoded by one {@link
 * org.layerskip.generate.ContinuousBatcher} (continuous batching of autoregressive, early-exit and
 * self-speculative requests). {@link org.layerskip.server.LayerSkipServer} is the entry point;
 * {@link org.layerskip.server.RequestParser} validates requests against the OpenAI schemas.
 */
package org.layerskip.server;
