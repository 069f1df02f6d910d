// The ed25519 key pair the console generates to log in to a server. ssh2's generator drops leading zero bytes
// of the 32-byte public key (mscdex/ssh2#1390, #1513, open in 1.17.0), so about 1 key in 256 comes out
// malformed: neither ssh2 nor OpenSSH can load it. Such a pair is thrown away and another one made.
import ssh2 from 'ssh2';

const maxAttempts = 16;

/** `encryption` protects the private key with a passphrase (an operator's own key, in tests). */
export function generateLoginKeyPair(
  comment: string,
  encryption?: { passphrase: string; cipher: string; rounds: number },
): { private: string; public: string } {
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const keys = ssh2.utils.generateKeyPairSync('ed25519', { comment, ...encryption });
    const readable = !(ssh2.utils.parseKey(keys.private, encryption?.passphrase) instanceof Error) && !(ssh2.utils.parseKey(keys.public) instanceof Error);
    if (readable) return keys;
  }
  // (1/256)^16: only a broken generator gets here.
  throw new Error(`ssh2 produced ${maxAttempts} unreadable ed25519 keys in a row`);
}
