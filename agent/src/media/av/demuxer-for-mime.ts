// The ffmpeg demuxer to force for a sniffed MIME type. Forcing it means ffmpeg never guesses from the name or
// probes its way into a different (possibly riskier) demuxer than the one the bytes were identified as.
import { AgentError } from '../../errors.js';

const demuxers: Record<string, string> = {
  'video/vnd.avi': 'avi',
  'video/x-msvideo': 'avi',
  'video/avi': 'avi',
  'video/mp4': 'mov',
  'video/quicktime': 'mov',
  'video/x-m4v': 'mov',
  'video/3gpp': 'mov',
  'video/3gpp2': 'mov',
  'audio/mp4': 'mov',
  'audio/x-m4a': 'mov',
  'video/webm': 'matroska',
  'audio/webm': 'matroska',
  'video/matroska': 'matroska',
  'video/x-matroska': 'matroska',
  'audio/x-matroska': 'matroska',
  'video/mpeg': 'mpeg',
  'video/mp2t': 'mpegts',
  'video/x-flv': 'flv',
  'video/ogg': 'ogg',
  'audio/ogg': 'ogg',
  'audio/opus': 'ogg',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/vnd.wave': 'wav',
  'audio/wave': 'wav',
  'audio/mpeg': 'mp3',
  'audio/flac': 'flac',
  'audio/x-flac': 'flac',
  'audio/aac': 'aac',
  'audio/aiff': 'aiff',
  'audio/x-aiff': 'aiff',
  'audio/amr': 'amr',
  'application/ogg': 'ogg',
  'application/x-matroska': 'matroska',
  'application/mp4': 'mov',
  'video/x-ms-asf': 'asf',
  'audio/x-ms-asf': 'asf',
  'audio/vnd.dolby.dd-raw': 'ac3',
};

export function demuxerForMime(mime: string): string {
  const demuxer = demuxers[mime.toLowerCase()];
  if (!demuxer) throw new AgentError('UNSUPPORTED_MEDIA', `no decoder for ${mime}`);
  return demuxer;
}
