package org.layerskip.cli;

/**
 * Parses {@code --prompt-ids}: comma-separated token ids, no empty items (also not at the ends).
 */
final class TokenIdList {

    private TokenIdList() {}

    /**
     * Parses a list.
     *
     * @param s e.g. {@code 1,2,3}
     * @return the ids
     * @throws NumberFormatException naming the problem, e.g. an empty item in {@code 1,2,}
     */
    static long[] parse(String s) {
        String[] parts = s.split(",", -1);
        long[] ids = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].trim();
            if (p.isEmpty()) {
                throw new NumberFormatException(
                        "'" + s + "' has an empty item at position " + (i + 1));
            }
            try {
                ids[i] = Long.parseLong(p);
            } catch (NumberFormatException e) {
                throw new NumberFormatException("'" + p + "' in '" + s + "' is not a token id");
            }
        }
        return ids;
    }
}
