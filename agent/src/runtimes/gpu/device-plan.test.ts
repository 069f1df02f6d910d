// The device choice per analysis, from the facts a machine gives: what runs on the GPU, and the reason for each
// analysis that does not. (No GPU exists on the build machines: the CUDA runs themselves are not tested here.)
import { describe, expect, it } from 'vitest';
import { installedGpuBuilds, planDevices, withFallbacks, type GpuBuilds } from './device-plan.js';
import { parseLdconfig, parseNvidiaSmi, probeGpuFacts, type GpuFacts, type RunCommand } from './gpu-facts.js';

const cudaLibs = ['libcudart.so.12', 'libcublas.so.12', 'libcublasLt.so.12', 'libcufft.so.11', 'libcudnn.so.9'];
const rentedGpu: GpuFacts = { gpus: [{ name: 'NVIDIA GeForce RTX 4090', memoryMb: 24564, driver: '550.54.14' }], probeError: null, libraries: new Set(cudaLibs) };
const allBuilds: GpuBuilds = { whisperCuda: true, onnxCudaProvider: true };

describe('planDevices', () => {
  it('puts transcription and OCR on the GPU of a machine that has it all, and says why the rest stay on the CPU', () => {
    const plan = planDevices('auto', rentedGpu, allBuilds);
    expect(plan.transcribe).toEqual({ device: 'cuda', runtime: 'whisper.cpp, CUDA on NVIDIA GeForce RTX 4090', reason: null });
    expect(plan.ocr).toEqual({ device: 'cuda', runtime: 'PP-OCRv4 on onnxruntime, CUDA on NVIDIA GeForce RTX 4090', reason: null });
    for (const a of ['faces', 'pose', 'nsfw', 'speakers', 'video'] as const) {
      expect(plan[a].device, a).toBe('cpu');
      expect(plan[a].reason?.length, a).toBeGreaterThan(20);
    }
  });

  it('keeps everything on the CPU without a GPU or when turned off, saying which', () => {
    const noDriver: GpuFacts = { gpus: [], probeError: 'no NVIDIA driver on this machine (nvidia-smi not found)', libraries: new Set(cudaLibs) };
    expect(planDevices('auto', noDriver, allBuilds).transcribe).toMatchObject({ device: 'cpu', reason: 'no NVIDIA driver on this machine (nvidia-smi not found)' });
    expect(planDevices('off', rentedGpu, allBuilds).ocr).toMatchObject({ device: 'cpu', reason: 'MEDIAFLEET_GPU=off' });
  });

  it('names the missing CUDA build or library per runtime', () => {
    const noProvider = planDevices('auto', rentedGpu, { whisperCuda: true, onnxCudaProvider: false });
    expect(noProvider.transcribe.device).toBe('cuda');
    expect(noProvider.ocr.reason).toMatch(/without its CUDA provider/);
    const noCudnn = planDevices('auto', { ...rentedGpu, libraries: new Set(cudaLibs.filter((l) => l !== 'libcudnn.so.9')) }, allBuilds);
    expect(noCudnn.transcribe.device).toBe('cuda');
    expect(noCudnn.ocr).toMatchObject({ device: 'cpu', reason: 'the CUDA libraries libcudnn.so.9 are not installed (the GPU image has them)' });
    expect(planDevices('auto', rentedGpu, { whisperCuda: false, onnxCudaProvider: true }).transcribe.reason).toMatch(/node-whisper-linux-x64-cuda/);
  });

  it('shows a runtime that could not load its CUDA build as a CPU fallback with the reason', () => {
    const plan = withFallbacks(planDevices('auto', rentedGpu, allBuilds), new Map([['ocr', 'libcuda.so.1: cannot open shared object file']]));
    expect(plan.ocr).toEqual({ device: 'cpu', runtime: 'PP-OCRv4 on onnxruntime', reason: 'fell back to the CPU: libcuda.so.1: cannot open shared object file' });
    expect(plan.transcribe.device).toBe('cuda');
  });
});

describe('gpu facts', () => {
  it('parses nvidia-smi and ldconfig as they print', () => {
    expect(parseNvidiaSmi('NVIDIA H100 80GB HBM3, 81559, 550.90.07\nNVIDIA H100 80GB HBM3, 81559, 550.90.07\n')).toEqual([
      { name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559, driver: '550.90.07' },
      { name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559, driver: '550.90.07' },
    ]);
    expect(parseNvidiaSmi('NVIDIA A10, [N/A], 535.1\n')).toEqual([{ name: 'NVIDIA A10', memoryMb: null, driver: '535.1' }]);
    expect(
      parseLdconfig('1234 libs found in cache `/etc/ld.so.cache\'\n\tlibcudart.so.12 (libc6,x86-64) => /usr/local/cuda/lib64/libcudart.so.12\n\tlibc.so.6 (libc6,x86-64, OS ABI: Linux 3.2.0) => /lib/x86_64-linux-gnu/libc.so.6\n'),
    ).toEqual(['libcudart.so.12', 'libc.so.6']);
  });

  it('says why there is no GPU when nvidia-smi is missing or fails, and still reads the libraries', () => {
    const missing: RunCommand = (file) => {
      if (file === 'nvidia-smi') throw Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' });
      return '\tlibcudart.so.12 (libc6,x86-64) => /x/libcudart.so.12\n';
    };
    const facts = probeGpuFacts(missing, {});
    expect(facts).toMatchObject({ gpus: [], probeError: 'no NVIDIA driver on this machine (nvidia-smi not found)' });
    expect(facts.libraries.has('libcudart.so.12')).toBe(true);
    const failing: RunCommand = (file) => {
      if (file === 'nvidia-smi') throw Object.assign(new Error('Command failed'), { status: 9, stderr: 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.\n' });
      return '';
    };
    expect(probeGpuFacts(failing, {}).probeError).toBe('nvidia-smi failed: NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.');
  });

  it('on this machine: the real probe and the installed builds (the npm install ships the CUDA whisper package, not the onnxruntime provider)', () => {
    const facts = probeGpuFacts();
    // Build machines have no GPU; a machine with one lists it. Either way the answer is explained.
    if (facts.gpus.length === 0) expect(facts.probeError).toMatch(/nvidia-smi|GPU/);
    const builds = installedGpuBuilds();
    expect(builds.whisperCuda).toBe(process.platform === 'linux' && process.arch === 'x64');
    // .ci/run and scripts/setup.sh install with ONNXRUNTIME_NODE_INSTALL_CUDA=skip.
    expect(typeof builds.onnxCudaProvider).toBe('boolean');
  });
});
