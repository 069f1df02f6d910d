// Collects the files of a drop, walking into dropped folders (the File System Entries API), and sorts out what
// is not media before anything is uploaded, with the reason a person is told.
const mediaPattern = /\.(jpe?g|png|webp|gif|bmp|tiff?|avif|heic|mp4|mov|mkv|webm|avi|m4v|wav|mp3|m4a|flac|ogg|opus|aac)$/i;

export const isMediaFile = (file: { name: string; type: string }): boolean => classifyDroppedFile(file).media;

/** Why a kind of file is not analysed, by extension: the kinds people drop by mistake. */
const notMediaReasons: Array<[RegExp, string]> = [
  [/\.svg$/i, 'a vector drawing (SVG): export it as PNG first'],
  [/\.(pdf|docx?|odt|rtf|pptx?|odp|xlsx?|ods|csv)$/i, 'a document, not an image, video or audio file'],
  [/\.(txt|md|json|xml|ya?ml|html?|log)$/i, 'a text file, not an image, video or audio file'],
  [/\.(zip|tar|gz|tgz|bz2|xz|7z|rar)$/i, 'an archive: unpack it and drop the media inside'],
  [/\.(exe|dmg|app|deb|rpm|msi|sh|bat)$/i, 'a program, not media'],
  [/\.(srt|vtt|ass)$/i, 'subtitles: drop the video or recording they belong to'],
];

export type DroppedFileVerdict = { media: true } | { media: false; reason: string };

/** Decided by MIME type and extension before upload; the agent still checks the bytes of what is sent. */
export function classifyDroppedFile(file: { name: string; type: string }): DroppedFileVerdict {
  const base = file.name.split('/').pop() ?? file.name;
  if (/^(\.DS_Store|Thumbs\.db|desktop\.ini)$/i.test(base) || base.startsWith('._')) return { media: false, reason: 'a system file the file manager keeps' };
  if (file.type === 'image/svg+xml') return { media: false, reason: notMediaReasons[0]![1] };
  if (/^(image|video|audio)\//.test(file.type) || mediaPattern.test(base)) return { media: true };
  const known = notMediaReasons.find(([pattern]) => pattern.test(base));
  if (known) return { media: false, reason: known[1] };
  const ext = /\.([^.]+)$/.exec(base)?.[1];
  return { media: false, reason: ext ? `.${ext.toLowerCase()} is not an image, video or audio format` : 'no file type (no extension) that says it is media' };
}

export interface SkippedFile {
  name: string;
  reason: string;
}

/** The media to send and the files left out, with why. */
export function sortDroppedFiles<F extends { name: string; type: string; webkitRelativePath?: string }>(files: readonly F[]): { media: F[]; skipped: SkippedFile[] } {
  const media: F[] = [];
  const skipped: SkippedFile[] = [];
  for (const file of files) {
    const verdict = classifyDroppedFile(file);
    if (verdict.media) media.push(file);
    else skipped.push({ name: file.webkitRelativePath || file.name, reason: verdict.reason });
  }
  return { media, skipped };
}

async function readEntry(entry: FileSystemEntry, out: File[]): Promise<void> {
  if (entry.isFile) {
    out.push(await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject)));
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries returns batches; an empty batch means the folder is done.
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) break;
      for (const child of batch) await readEntry(child, out);
    }
  }
}

export async function filesFromDataTransfer(dt: DataTransfer): Promise<File[]> {
  const entries = [...dt.items].map((item) => item.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) return [...dt.files];
  const out: File[] = [];
  for (const entry of entries) await readEntry(entry, out);
  return out;
}
