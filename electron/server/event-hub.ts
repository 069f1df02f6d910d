// Events from the console core (analysis progress, operation progress, shell output) fan out to every
// connected renderer: WebSocket clients in the headless console, the window's webContents in Electron.
export interface ConsoleEvent {
  channel: string;
  payload: unknown;
}

export type EventListener = (event: ConsoleEvent) => void;

export class EventHub {
  private readonly listeners = new Set<EventListener>();

  publish(channel: string, payload: unknown): void {
    for (const listener of this.listeners) listener({ channel, payload });
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
