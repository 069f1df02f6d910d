// Some model libraries print banners with console.info/log while loading. The CLI prints its JSON on stdout, so
// those lines are moved to stderr for the duration of a load.
export async function withStdoutBannersOnStderr<T>(work: () => Promise<T>): Promise<T> {
  const { log, info } = console;
  const toStderr = (...args: unknown[]) => console.error(...args.filter((a) => typeof a !== 'string' || !a.startsWith('color:')));
  console.log = toStderr;
  console.info = toStderr;
  try {
    return await work();
  } finally {
    console.log = log;
    console.info = info;
  }
}
