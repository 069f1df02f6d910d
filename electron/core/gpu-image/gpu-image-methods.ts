// The GPU image contract: publish (an operation) and read what was published.
import { getGpuImage, publishGpuImage } from '../contracts/gpu-image.js';
import type { MethodRegistry } from '../registry/method-registry.js';
import type { GpuImageService } from './gpu-image-service.js';

export function registerGpuImageMethods(registry: MethodRegistry, deps: { gpuImage: GpuImageService }): void {
  registry.implement(publishGpuImage, (input) => deps.gpuImage.publish(input));
  registry.implement(getGpuImage, () => ({ published: deps.gpuImage.current() }));
}
