// Which files a console may submit for analysis. The desktop app submits what the user dropped (any path on
// this computer); the headless console is reached by a browser, so it submits only files uploaded to it, never
// an arbitrary path on this machine that a page could name.
import { resolve, sep } from 'node:path';
import { ConsoleError } from '../contracts/define.js';

/** Throws a ConsoleError when the path may not be submitted. */
export type SubmitPathPolicy = (path: string) => void;

export const anyLocalPath: SubmitPathPolicy = () => undefined;

export function uploadedFilesOnly(uploadDir: string): SubmitPathPolicy {
  const root = resolve(uploadDir) + sep;
  return (path) => {
    if (!resolve(path).startsWith(root)) {
      throw new ConsoleError('PATH_NOT_ALLOWED', 'the headless console analyses only files uploaded to it; drop the file in the Analyze view');
    }
  };
}
