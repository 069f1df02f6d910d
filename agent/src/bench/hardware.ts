// The machine facts a benchmark is only meaningful with.
import os from 'node:os';

export interface HardwareFacts {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  platform: string;
  arch: string;
  node: string;
  backend: string;
}

export function describeHardware(): HardwareFacts {
  return {
    cpuModel: os.cpus()[0]?.model?.trim() || 'unknown',
    cores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    platform: `${os.platform()} ${os.release()}`,
    arch: os.arch(),
    node: process.version,
    // The models side runs tfjs on its wasm backend and onnxruntime-node on CPU (DESIGN: build machines).
    backend: 'tfjs-wasm + onnxruntime-cpu',
  };
}
