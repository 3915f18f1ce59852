package org.layerskip.translate;

import org.layerskip.generate.TokenKind;

/**
 * One token of a {@link GenerationStream}, with the text it made safe to show and where it came
 * from.
 *
 * @param tokenId the token id
 * @param text the text this token completed (often empty: an incomplete character, text held back
 *     because it may begin a stop string, a special token); the texts of a stream concatenate to
 *     its whole text
 * @param kind {@link TokenKind#PLAIN} (autoregressive or early exit), {@link TokenKind#ACCEPTED} (a
 *     draft the verifier accepted) or {@link TokenKind#VERIFIED} (the verifier's own token)
 *     <p>A stream may end with one piece that is no token ({@code tokenId} -1, {@code kind} null):
 *     text held back until the end (the start of a stop string that never completed, an incomplete
 *     character).
 */
public record StreamedToken(long tokenId, String text, TokenKind kind) {}
