// Which device runs each analysis, and why. The GPU is used where a runtime this agent ships has a CUDA build that
// can load here: whisper.cpp's CUDA package for transcription, onnxruntime's CUDA provider for OCR. The TensorFlow.js
// models (faces, pose, moderation) run on its wasm backend and sherpa-onnx (speakers) on its CPU build: neither has a
// GPU path that installs without a download, so they stay on the CPU and say so. Pure: the facts come in.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { GpuFacts } from './gpu-facts.js';

export type Device = 'cuda' | 'cpu';
export type GpuSetting = 'auto' | 'off';

export interface DeviceChoice {
  device: Device;
  runtime: string;
  /** Why this analysis is not on the GPU (or fell back to the CPU); null when it runs on the GPU. */
  reason: string | null;
}

export interface GpuBuilds {
  /** @fugood/node-whisper-linux-x64-cuda is installed. */
  whisperCuda: boolean;
  /** onnxruntime-node was installed with its CUDA provider (libonnxruntime_providers_cuda.so). */
  onnxCudaProvider: boolean;
}

export const plannedAnalyses = ['transcribe', 'ocr', 'faces', 'pose', 'nsfw', 'speakers', 'video'] as const;
export type PlannedAnalysis = (typeof plannedAnalyses)[number];
export type DevicePlan = Record<PlannedAnalysis, DeviceChoice>;

const WHISPER_CUDA_LIBS = ['libcudart.so.12', 'libcublas.so.12'];
const ONNX_CUDA_LIBS = ['libcudart.so.12', 'libcublas.so.12', 'libcublasLt.so.12', 'libcufft.so.11', 'libcudnn.so.9'];

function missing(facts: GpuFacts, libs: readonly string[]): string[] {
  return libs.filter((l) => !facts.libraries.has(l));
}

/** The reason no analysis can use the GPU, or null when one could. */
function noGpuReason(setting: GpuSetting, facts: GpuFacts): string | null {
  if (setting === 'off') return 'MEDIAFLEET_GPU=off';
  if (facts.gpus.length === 0) return facts.probeError ?? 'no GPU found';
  return null;
}

function cudaChoice(runtime: string, gpuReason: string | null, build: boolean, buildMissing: string, facts: GpuFacts, libs: readonly string[]): DeviceChoice {
  if (gpuReason) return { device: 'cpu', runtime, reason: gpuReason };
  if (!build) return { device: 'cpu', runtime, reason: buildMissing };
  const absent = missing(facts, libs);
  if (absent.length) return { device: 'cpu', runtime, reason: `the CUDA libraries ${absent.join(', ')} are not installed (the GPU image has them)` };
  return { device: 'cuda', runtime: `${runtime}, CUDA on ${facts.gpus[0]!.name}`, reason: null };
}

export function planDevices(setting: GpuSetting, facts: GpuFacts, builds: GpuBuilds): DevicePlan {
  const gpuReason = noGpuReason(setting, facts);
  const tfjs = (runtime: string): DeviceChoice => ({
    device: 'cpu',
    runtime,
    reason: "TensorFlow.js runs here on its wasm backend; its GPU build (tfjs-node-gpu) downloads libtensorflow at install time, which the agent's install does not do",
  });
  return {
    transcribe: cudaChoice('whisper.cpp', gpuReason, builds.whisperCuda, 'the CUDA build of whisper.cpp (@fugood/node-whisper-linux-x64-cuda) is not installed', facts, WHISPER_CUDA_LIBS),
    ocr: cudaChoice('PP-OCRv4 on onnxruntime', gpuReason, builds.onnxCudaProvider, "onnxruntime-node was installed without its CUDA provider (its install skips the download when ONNXRUNTIME_NODE_INSTALL_CUDA=skip)", facts, ONNX_CUDA_LIBS),
    faces: tfjs('Human (TensorFlow.js, wasm)'),
    pose: tfjs('MoveNet (TensorFlow.js, wasm)'),
    nsfw: tfjs('NSFWJS (TensorFlow.js, wasm)'),
    speakers: { device: 'cpu', runtime: 'sherpa-onnx', reason: "sherpa-onnx's npm build is CPU only" },
    video: { device: 'cpu', runtime: 'ffmpeg', reason: 'ffmpeg decodes on the CPU; the keyframes go to the image analyses on their devices' },
  };
}

/** Which GPU builds of the shipped runtimes are installed in this agent's node_modules. */
export function installedGpuBuilds(): GpuBuilds {
  const require = createRequire(import.meta.url);
  const resolves = (id: string): string | null => {
    try {
      return require.resolve(id);
    } catch {
      return null;
    }
  };
  const ortBinding = resolves('onnxruntime-node');
  // require.resolve gives <package>/dist/index.js.
  const ortRoot = ortBinding ? path.join(path.dirname(ortBinding), '..') : null;
  const providerCandidates = ortRoot ? ['napi-v3', 'napi-v6'].map((v) => path.join(ortRoot, 'bin', v, 'linux', process.arch, 'libonnxruntime_providers_cuda.so')) : [];
  return {
    whisperCuda: process.platform === 'linux' && process.arch === 'x64' && resolves('@fugood/node-whisper-linux-x64-cuda/package.json') !== null,
    onnxCudaProvider: providerCandidates.some((p) => existsSync(p)),
  };
}

/** The plan with what the runtimes met when they loaded: an analysis that fell back to the CPU says why. */
export function withFallbacks(plan: DevicePlan, fallbacks: ReadonlyMap<string, string>): DevicePlan {
  const next = { ...plan };
  for (const [analysis, reason] of fallbacks) {
    const choice = next[analysis as PlannedAnalysis];
    if (choice && choice.device === 'cuda') next[analysis as PlannedAnalysis] = { device: 'cpu', runtime: choice.runtime.replace(/, CUDA on .*$/, ''), reason: `fell back to the CPU: ${reason}` };
  }
  return next;
}
