// What a drop sends and what it leaves out, decided by type and name before anything is uploaded.
import { describe, expect, it } from 'vitest';
import { classifyDroppedFile, sortDroppedFiles } from './dropped-files.js';

describe('dropped files', () => {
  it('sends media by MIME type or extension', () => {
    for (const f of [
      { name: 'a.JPG', type: '' },
      { name: 'clip', type: 'video/mp4' },
      { name: 'talk.m4a', type: '' },
      { name: 'x.webm', type: 'video/webm' },
    ])
      expect(classifyDroppedFile(f), f.name).toEqual({ media: true });
  });

  it('leaves out what is not media, saying why', () => {
    expect(classifyDroppedFile({ name: 'report.pdf', type: 'application/pdf' })).toEqual({ media: false, reason: 'a document, not an image, video or audio file' });
    expect(classifyDroppedFile({ name: 'logo.svg', type: 'image/svg+xml' })).toEqual({ media: false, reason: 'a vector drawing (SVG): export it as PNG first' });
    expect(classifyDroppedFile({ name: '._photo.jpg', type: 'image/jpeg' })).toEqual({ media: false, reason: 'a system file the file manager keeps' });
    expect(classifyDroppedFile({ name: 'data.bin', type: '' })).toEqual({ media: false, reason: '.bin is not an image, video or audio format' });
    expect(classifyDroppedFile({ name: 'README', type: '' })).toEqual({ media: false, reason: 'no file type (no extension) that says it is media' });
    expect(classifyDroppedFile({ name: 'film.srt', type: '' }).media).toBe(false);
  });

  it('sorts a drop into what is sent and what is skipped, by the path inside a dropped folder', () => {
    const files = [
      { name: 'a.jpg', type: 'image/jpeg' },
      { name: 'notes.txt', type: 'text/plain', webkitRelativePath: 'trip/notes.txt' },
      { name: 'b.wav', type: 'audio/wav' },
    ];
    expect(sortDroppedFiles(files)).toEqual({ media: [files[0], files[2]], skipped: [{ name: 'trip/notes.txt', reason: 'a text file, not an image, video or audio file' }] });
  });
});
