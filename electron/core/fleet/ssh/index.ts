// The SSH building blocks other console features (deploy, ssl) use.
export * from './ssh-connection.js';
export * from './host-key.js';
export * from './shell-quote.js';
