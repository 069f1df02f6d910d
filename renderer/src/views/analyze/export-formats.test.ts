import { describe, expect, it } from 'vitest';
import type { ResultDocument } from '#agent/contracts/result-document.js';
import { activeSegmentIndex, srtTimestamp, toCsv, toJson, toSrt } from './export-formats.js';

const base: ResultDocument = {
  version: 1,
  file: 'jfk.wav',
  media: { kind: 'audio', mime: 'audio/wav', durationSec: 11, bytes: 10, sha256: 'b'.repeat(64) },
  timings: { decode: 3 },
  agent: { id: 'local', version: '0.1.0' },
  models: {},
};

describe('exports', () => {
  it('writes SRT with numbered cues and hh:mm:ss,mmm times', () => {
    const srt = toSrt({
      ...base,
      transcript: { engine: 'whisper', model: 'tiny', language: 'en', text: '', segments: [{ start: 0.32, end: 3661.5, text: ' and so my fellow americans ' }] },
    });
    expect(srt).toBe('1\n00:00:00,320 --> 01:01:01,500\nand so my fellow americans\n');
    expect(toSrt(base)).toBeNull();
    expect(srtTimestamp(-1)).toBe('00:00:00,000');
  });

  it('writes CSV with one row per finding and quotes text that needs it', () => {
    const csv = toCsv({
      ...base,
      media: { ...base.media, kind: 'image' },
      faces: [{ box: { x: 1.234, y: 2, width: 3, height: 4 }, score: 0.987, age: 30.2, gender: { label: 'female', score: 0.9 } }],
      ocr: { text: '', language: 'en', engine: 'x', lines: [{ text: 'Hello, "world"', confidence: 0.5, box: { x: 0, y: 0, width: 1, height: 1 } }] },
    });
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('kind,time_s,x,y,width,height,label,score');
    expect(lines[1]).toBe('face,,1.23,2,3,4,female 30,0.99');
    expect(lines[2]).toBe('text,,0,0,1,1,"Hello, ""world""",0.5');
  });

  it('JSON export round-trips the document', () => {
    expect(JSON.parse(toJson(base))).toEqual(base);
  });

  it('finds the segment being spoken for the player position', () => {
    const segs = [
      { start: 0, end: 2 },
      { start: 2, end: 5 },
    ];
    expect(activeSegmentIndex(segs, 0)).toBe(0);
    expect(activeSegmentIndex(segs, 2)).toBe(1);
    expect(activeSegmentIndex(segs, 9)).toBe(-1);
  });
});
