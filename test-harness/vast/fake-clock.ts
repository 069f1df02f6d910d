// The fake Vast.ai's clock: wall time times `speed`, plus whatever a test adds with advance(). speed 0 is a fully
// manual clock (a test moves boot, billing and lifecycle by hand); speed 1 follows real time (standalone runs).
export class FakeClock {
  private readonly realStart = performance.now();
  private offsetMs = 0;

  constructor(
    private readonly speed = 1,
    private readonly startMs = Date.now(),
  ) {}

  /** Milliseconds since the Unix epoch, as Vast's clock would read them. */
  now(): number {
    return this.startMs + (performance.now() - this.realStart) * this.speed + this.offsetMs;
  }

  nowSeconds(): number {
    return this.now() / 1000;
  }

  advanceBy(ms: number): void {
    if (ms < 0) throw new Error('the clock only goes forward');
    this.offsetMs += ms;
  }
}
