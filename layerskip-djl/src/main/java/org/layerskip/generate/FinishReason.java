package org.layerskip.generate;

/** Why generation stopped. */
public enum FinishReason {
    /** An end-of-sequence token was generated (it is included in the output). */
    EOS,
    /** The maximum number of new tokens was reached. */
    LENGTH;

    /**
     * Returns the JSON spelling.
     *
     * @return {@code eos} or {@code length}
     */
    public String jsonName() {
        return this == EOS ? "eos" : "length";
    }
}
