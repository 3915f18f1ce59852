package org.layerskip.generate;

/** Why generation stopped. */
public enum FinishReason {
    /** An end-of-sequence token was generated (it is included in the output). */
    EOS,
    /** The maximum number of new tokens was reached. */
    LENGTH,
    /**
     * The listener asked to stop ({@link TokenListener#stopRequested}): a stop string appeared in
     * the decoded text, after the token that completed it.
     */
    STOP;

    /**
     * Returns the JSON spelling.
     *
     * @return {@code eos}, {@code length} or {@code stop}
     */
    public String jsonName() {
        switch (this) {
            case EOS:
                return "eos";
            case LENGTH:
                return "length";
            default:
                return "stop";
        }
    }
}
