package org.layerskip.generate;

/** Where an emitted token came from, for streaming displays. */
public enum TokenKind {
    /** Produced by a plain (autoregressive or early-exit) step. */
    PLAIN,
    /** A draft token that the verifier accepted. */
    ACCEPTED,
    /** Produced by the verifier: a correction of a rejected draft, or the bonus token. */
    VERIFIED
}
