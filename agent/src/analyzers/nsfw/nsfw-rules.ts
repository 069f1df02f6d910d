// The user-editable rules that turn nsfw class scores into a verdict (documented in agent/config/nsfw-rules.md).
// Pure logic plus a small file reader that re-reads the file when it changes.
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AgentError } from '../../errors.js';
import type { NsfwVerdict } from '../../contracts/result-document.js';
import { analysisSettings, type AnalysisSettings } from '../../config.js';

export const nsfwModelNames = ['MobileNetV2', 'MobileNetV2Mid', 'InceptionV3'] as const;
export const nsfwClassNames = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'] as const;

const NsfwRule = z.object({
  verdict: z.enum(['explicit', 'suggestive']),
  classes: z.array(z.enum(nsfwClassNames)).min(1),
  min: z.number().min(0).max(1),
});
export type NsfwRule = z.infer<typeof NsfwRule>;

export const NsfwRules = z.object({
  $comment: z.string().optional(),
  model: z.enum(nsfwModelNames).default('MobileNetV2Mid'),
  rules: z.array(NsfwRule),
});
export type NsfwRules = z.infer<typeof NsfwRules>;

const severity: Record<NsfwVerdict, number> = { safe: 0, suggestive: 1, explicit: 2 };

export interface NsfwDecision {
  verdict: NsfwVerdict;
  reason: string;
}

/** The most severe rule whose classes' summed score reaches its `min`; `safe` when none does. */
export function decideNsfwVerdict(scores: Record<string, number>, rules: readonly NsfwRule[]): NsfwDecision {
  let decision: NsfwDecision = { verdict: 'safe', reason: 'no rule matched' };
  for (const rule of rules) {
    const sum = rule.classes.reduce((acc, name) => acc + (scores[name] ?? 0), 0);
    if (sum >= rule.min && severity[rule.verdict] > severity[decision.verdict]) {
      decision = { verdict: rule.verdict, reason: `${rule.classes.join('+')} ${sum.toFixed(2)} >= ${rule.min}` };
    }
  }
  return decision;
}

export function defaultNsfwRulesPath(settings: Pick<AnalysisSettings, 'nsfwRules'> = analysisSettings()): string {
  return settings.nsfwRules || fileURLToPath(new URL('../../../config/nsfw-rules.json', import.meta.url));
}

export function parseNsfwRules(text: string, source: string): NsfwRules {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new AgentError('BAD_REQUEST', `nsfw rules file ${source} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = NsfwRules.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AgentError('BAD_REQUEST', `nsfw rules file ${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

const cache = new Map<string, { mtimeMs: number; rules: NsfwRules }>();

/** Reads the rules file, re-reading only when its modification time changed, so edits apply without a restart. */
export async function loadNsfwRules(path = defaultNsfwRulesPath()): Promise<NsfwRules> {
  let mtimeMs: number;
  try {
    mtimeMs = (await stat(path)).mtimeMs;
  } catch {
    throw new AgentError('BAD_REQUEST', `nsfw rules file not found: ${path}`);
  }
  const cached = cache.get(path);
  if (cached && cached.mtimeMs === mtimeMs) return cached.rules;
  const rules = parseNsfwRules(await readFile(path, 'utf8'), path);
  cache.set(path, { mtimeMs, rules });
  return rules;
}
