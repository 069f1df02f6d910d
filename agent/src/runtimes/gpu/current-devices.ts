// This process's device plan (probed once) and the fallbacks its runtimes met while loading. A worker thread
// forwards its fallbacks to the main thread (see analysis-worker.ts), where /v1/info reads them.
import { analysisSettings } from '../../config.js';
import { gpuFacts } from './gpu-facts.js';
import { installedGpuBuilds, planDevices, type DevicePlan, type PlannedAnalysis } from './device-plan.js';

let plan: DevicePlan | undefined;
const fallbacks = new Map<string, string>();
let listener: ((analysis: PlannedAnalysis, reason: string) => void) | null = null;

export function currentDevicePlan(): DevicePlan {
  plan ??= planDevices(analysisSettings().gpu, gpuFacts(), installedGpuBuilds());
  return plan;
}

/** A runtime planned for CUDA could not use it and runs on the CPU instead. */
export function reportDeviceFallback(analysis: PlannedAnalysis, reason: string): void {
  fallbacks.set(analysis, reason);
  listener?.(analysis, reason);
}

export function onDeviceFallback(fn: (analysis: PlannedAnalysis, reason: string) => void): void {
  listener = fn;
}

export function localDeviceFallbacks(): ReadonlyMap<string, string> {
  return fallbacks;
}
