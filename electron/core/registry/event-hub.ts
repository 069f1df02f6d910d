// Events from the core (operation progress, analysis updates, terminal output, the built-in agent's state) fan
// out to every connected renderer: WebSocket clients in the headless console, the window's webContents in
// Electron. Every payload is checked against its channel's schema where it is sent; in tests a bad payload
// throws at the sender, in the app it is logged and dropped (a renderer never receives an event it cannot read).
import type { z } from 'zod';
import type { EventDef } from '../contracts/define.js';

export interface ConsoleEvent {
  channel: string;
  payload: unknown;
}

export type EventListener = (event: ConsoleEvent) => void;

export interface EventHubOptions {
  /** 'throw' in tests, so the sender of a malformed event fails; 'log' in the app. */
  onInvalid?: 'throw' | 'log';
  log?: (message: string) => void;
}

export class EventHub {
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly options: EventHubOptions = {}) {}

  publish<E extends EventDef>(def: E, payload: z.input<E['payload']>): void {
    const checked = def.payload.safeParse(payload);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      const message = `event ${def.channel}: ${issue?.path.join('.') || 'payload'}: ${issue?.message ?? 'invalid'}`;
      if (this.options.onInvalid === 'throw') throw new Error(message);
      (this.options.log ?? ((m: string) => console.error(`console: ${m}`)))(message);
      return;
    }
    for (const listener of this.listeners) listener({ channel: def.channel, payload: checked.data });
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
