// Transcript → SubRip (.srt) and WebVTT (.vtt) text.
import type { TranscriptSection } from '../../contracts/result-document.js';

type Cues = Pick<TranscriptSection, 'segments'>;

function timestamp(seconds: number, fractionSeparator: ',' | '.'): string {
  const totalMs = Math.max(0, Math.round(seconds * 1000));
  const ms = totalMs % 1000;
  const s = Math.floor(totalMs / 1000) % 60;
  const m = Math.floor(totalMs / 60_000) % 60;
  const h = Math.floor(totalMs / 3_600_000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(h)}:${two(m)}:${two(s)}${fractionSeparator}${String(ms).padStart(3, '0')}`;
}

/** Cue text may not contain a blank line (it would end the cue); `-->` would read as a timing line in VTT. */
function cueText(text: string, speaker?: string): string {
  const clean = text.replace(/\r?\n\s*\r?\n/g, '\n').replace(/-->/g, '->').trim();
  return speaker ? `${speaker}: ${clean}` : clean;
}

export function toSrt(transcript: Cues): string {
  return transcript.segments
    .filter((s) => s.text.trim().length > 0)
    .map((s, i) => `${i + 1}\n${timestamp(s.start, ',')} --> ${timestamp(Math.max(s.end, s.start), ',')}\n${cueText(s.text, s.speaker)}\n`)
    .join('\n');
}

export function toVtt(transcript: Cues): string {
  const cues = transcript.segments
    .filter((s) => s.text.trim().length > 0)
    .map((s) => {
      const text = cueText(s.text, undefined);
      // WebVTT has a voice tag for speakers.
      const voiced = s.speaker ? `<v ${s.speaker.replace(/[<>]/g, '')}>${text}` : text;
      return `${timestamp(s.start, '.')} --> ${timestamp(Math.max(s.end, s.start), '.')}\n${voiced}\n`;
    });
  return ['WEBVTT\n', ...cues].join('\n');
}
