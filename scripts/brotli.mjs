#!/usr/bin/env node
// Compress (or with -d, decompress) a file with brotli using Node's zlib, so the
// result can be read back by the test suite without any extra dependency.
//
// Usage: node scripts/brotli.mjs [-d] <in> <out>
// Needs: nodejs.

import { readFileSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

const args = process.argv.slice(2);
const decode = args[0] === '-d';
if (decode) args.shift();
const [input, output] = args;
if (!input || !output) {
  process.stderr.write('usage: brotli.mjs [-d] <in> <out>\n');
  process.exit(2);
}
const data = readFileSync(input);
const result = decode
  ? brotliDecompressSync(data)
  : brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_LGWIN]: 24,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    });
writeFileSync(output, result);
