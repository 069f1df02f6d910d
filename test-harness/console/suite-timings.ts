// Test helper: wall-clock milliseconds of a suite's slow parts, printed at the end so a CI log shows where the
// time went (the fleet suites take minutes).
export function suiteTimings() {
  const timings: Record<string, number> = {};
  async function timed<T>(name: string, f: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    try {
      return await f();
    } finally {
      timings[name] = Date.now() - t0;
    }
  }
  return { timings, timed };
}
