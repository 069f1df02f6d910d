// Every error code a person can meet has its own words and next step, permanent failures say so, agent codes
// read the same whether they arrive bare (a failed job) or as AGENT_<code> (a refused request), and no console
// method name or schema message is ever shown.
import { describe, expect, it } from 'vitest';
import { errorCodes } from '#agent/contracts/error-codes.js';
import { vastErrorCodes } from '../../../electron/core/contracts/vast.js';
import { canRetryError, describeError, errorText, knownErrorCodes, withoutMethodNames } from './error-texts.js';

describe('error texts', () => {
  it('give every agent code its own title and next step (bare and as AGENT_<code>)', () => {
    for (const code of Object.keys(errorCodes)) {
      const bare = errorText(code);
      expect(bare.title, code).not.toBe('Something went wrong');
      expect(bare.next.length, code).toBeGreaterThan(10);
      expect(errorText(`AGENT_${code}`).title, code).not.toBe('Something went wrong');
    }
    // A job's failure arrives bare, the same agent code on a refused request as AGENT_<code>: the same words.
    for (const code of ['EMPTY_FILE', 'PIXEL_LIMIT', 'CORRUPT_MEDIA', 'UNSUPPORTED_MEDIA', 'DURATION_LIMIT', 'QUEUE_FULL']) expect(errorText(`AGENT_${code}`)).toEqual(errorText(code));
    // Where the console has a code of its own, the bare one is the console's and AGENT_ the agent's.
    expect(errorText('UNAUTHORIZED').title).toBe('This page has no valid console token');
    expect(errorText('AGENT_UNAUTHORIZED').title).toBe("The agent does not accept the console's token");
  });

  it('give every Vast.ai code its own title and next step (the key, the offers, renting and destroying GPUs)', () => {
    for (const code of vastErrorCodes) {
      const text = errorText(code);
      expect(text.title, code).not.toBe('Something went wrong');
      expect(text.next.length, code).toBeGreaterThan(10);
    }
    expect(describeError({ code: 'VAST_AUTH_FAILED', message: 'x' }).next).toMatch(/Settings › GPUs \(Vast\.ai\)/);
    expect(canRetryError('VAST_RENTAL_NOT_FOUND')).toBe(false);
  });

  it('never hand the generic "retry, check the log" to two codes that differ in what to do', () => {
    const nexts = knownErrorCodes.map((code) => errorText(code).next);
    expect(nexts.filter((n) => /^Retry; if it/.test(n)).length).toBeLessThanOrEqual(8);
    for (const code of knownErrorCodes) expect(errorText(code).title, code).toMatch(/^[A-Z"a-z]/);
  });

  it('say which failures are permanent: retrying the same file or key cannot help', () => {
    for (const code of ['EMPTY_FILE', 'PIXEL_LIMIT', 'CORRUPT_MEDIA', 'UNSUPPORTED_MEDIA', 'DURATION_LIMIT', 'FILE_TOO_LARGE', 'INVALID_KEY', 'SERVER_EXISTS', 'READ_ONLY']) {
      expect(canRetryError(code), code).toBe(false);
      expect(describeError({ code, message: 'x' }).kind, code).toBe('permanent');
    }
    for (const code of ['AGENT_UNREACHABLE', 'QUEUE_FULL', 'TIMEOUT', 'CANCELED', 'SSH_CONNECT_FAILED', 'MODEL_MISSING', 'INTERNAL', 'SOMETHING_NEW']) {
      expect(canRetryError(code), code).toBe(true);
    }
  });

  it('keep raw schema messages and internals off the screen, and method names out of shown messages', () => {
    expect(describeError({ code: 'INVALID_INPUT', message: 'servers:add: port: Too big: expected number to be <=65535' })).toMatchObject({
      title: 'The console did not accept these values',
      detail: null,
    });
    expect(describeError({ code: 'READ_ONLY', message: '"servers:add" changes things and this console is read-only' }).detail).toBeNull();
    expect(describeError({ code: 'INTERNAL', message: 'TypeError: x is undefined' }).detail).toBeNull();
    const missing = describeError({ code: 'DEPLOY_SETTINGS_MISSING', message: 'This server has no deploy settings yet: save its domain and agent image (deploy:set-settings) first.' });
    expect(missing.detail).toBe('This server has no deploy settings yet: save its domain and agent image first.');
    expect(withoutMethodNames('servers:add: the host refused')).toBe('The host refused');
    expect(withoutMethodNames('HTTPS needs SHA256:abc and http://x:80/y')).toBe('HTTPS needs SHA256:abc and http://x:80/y');
  });

  it('show a message that names the file, host or limit, without saying the title twice', () => {
    expect(describeError({ code: 'PIXEL_LIMIT', message: 'the image declares 30000x30000 pixels; the limit is 64000000 pixels' })).toMatchObject({
      title: 'The image has more pixels than the agent will decode',
      detail: 'The image declares 30000x30000 pixels; the limit is 64000000 pixels',
      retryable: false,
    });
    expect(describeError({ code: 'CANCELED', message: 'it was canceled.' }).detail).toBeNull();
    expect(describeError({ code: 'NEW_CODE_FROM_LATER', message: 'a new thing happened' })).toMatchObject({ title: 'Something went wrong', detail: 'A new thing happened' });
  });
});
