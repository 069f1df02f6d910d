// Passphrase-based authenticated encryption: scrypt derives a key from the passphrase and a random salt,
// AES-256-GCM encrypts with a fresh random nonce per message. A wrong passphrase or a tampered blob fails
// the GCM tag check, which we turn into a clear error instead of garbage plaintext.
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { ConsoleError } from '../contracts/define.js';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** OWASP-style interactive cost; tests may pass a cheaper N to stay fast. */
export const defaultScryptParams: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };

export interface SealedBlob {
  v: 1;
  kdf: 'scrypt';
  salt: string;
  N: number;
  r: number;
  p: number;
  nonce: string;
  tag: string;
  ciphertext: string;
}

const AAD = Buffer.from('mediafleet-sealed-v1');

export function deriveKey(passphrase: string, salt: Buffer, params: ScryptParams): Buffer {
  return scryptSync(passphrase.normalize('NFKC'), salt, 32, {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: 256 * params.N * params.r + 1024 * 1024,
  });
}

export function sealWithKey(key: Buffer, salt: Buffer, params: ScryptParams, plaintext: Buffer): SealedBlob {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(AAD);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return {
    v: 1,
    kdf: 'scrypt',
    salt: salt.toString('base64'),
    ...params,
    nonce: nonce.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ciphertext: ciphertext.toString('base64'),
  };
}

export function openWithKey(key: Buffer, blob: SealedBlob): Buffer {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(blob.nonce, 'base64'));
    decipher.setAAD(AAD);
    decipher.setAuthTag(Buffer.from(blob.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(blob.ciphertext, 'base64')), decipher.final()]);
  } catch {
    throw new ConsoleError('VAULT_WRONG_PASSPHRASE', 'The passphrase is wrong or the vault file was altered.');
  }
}

export function seal(passphrase: string, plaintext: Buffer, params: ScryptParams = defaultScryptParams): SealedBlob {
  const salt = randomBytes(16);
  return sealWithKey(deriveKey(passphrase, salt, params), salt, params, plaintext);
}

export function open(passphrase: string, blob: SealedBlob): Buffer {
  if (blob?.v !== 1 || blob.kdf !== 'scrypt') {
    throw new ConsoleError('VAULT_CORRUPT', 'Unknown vault format.');
  }
  const key = deriveKey(passphrase, Buffer.from(blob.salt, 'base64'), blob);
  return openWithKey(key, blob);
}
