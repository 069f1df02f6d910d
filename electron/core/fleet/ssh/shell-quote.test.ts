import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { quoteArgv } from './shell-quote.js';

describe('quoteArgv', () => {
  it('delivers every argument to a real POSIX shell as exactly one word', () => {
    const args = ['plain', 'with space', "it's", '$(touch /tmp/pwned)', '', 'a"b', 'semi;colon', 'new\nline'];
    const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${quoteArgv(args)}`]).toString('utf8');
    expect(out.split('\0').slice(0, -1)).toEqual(args);
  });
});
