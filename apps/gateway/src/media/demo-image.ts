/**
 * The built-in image generator: renders the prompt's scene (`demo-scene.ts`) coarse first,
 * then finer at each step, so a page shows the picture sharpening in place. Each step is a
 * real PNG (fast-png, pure JS); the same prompt and size give the same bytes on every run,
 * which is what lets a test compare a cut-and-resumed run with an uncut one.
 * @module
 */
import { encode } from 'fast-png';
import { renderScene, sceneOf } from './demo-scene.ts';
import { type ImageProvider, type ImageRequest, type ImageStep, pause } from './provider.ts';

/** Block sizes of the refinement steps, coarse to exact. */
const BLOCKS = [32, 16, 8, 4, 2, 1];
export const DEMO_IMAGE_SIZE = 384;

export class DemoImageProvider implements ImageProvider {
  readonly name = 'demo-image';
  /** Each step is rendered from the prompt alone: any step can come first. */
  readonly canContinue = true;
  readonly #stepMs: number;

  /** `stepMs`: the pause before each step (a few seconds in all, like a real generator). */
  constructor(stepMs: number) {
    this.#stepMs = stepMs;
  }

  async *generate(request: ImageRequest, signal: AbortSignal, fromStep = 0): AsyncIterable<ImageStep> {
    const [width, height] = demoSize(request.size);
    const scene = sceneOf(request.prompt);
    for (const [k, block] of BLOCKS.entries()) {
      if (k < fromStep) continue;
      await pause(this.#stepMs, signal);
      const data = renderScene(scene, width, height, block);
      const png = encode({ width, height, data, channels: 3, depth: 8 });
      const final = k === BLOCKS.length - 1;
      yield {
        pct: Math.round((100 * (k + 1)) / BLOCKS.length),
        note: final ? 'done' : `refining (${k + 1} of ${BLOCKS.length})`,
        image: { bytes: png, type: 'image/png' },
        final,
      };
    }
  }
}

/** Width and height of a `WIDTHxHEIGHT` size, each 64–1024 (the demo's default without one). */
export function demoSize(size: string | undefined): [number, number] {
  if (!size || size === 'auto') return [DEMO_IMAGE_SIZE, DEMO_IMAGE_SIZE];
  const [w, h] = size.split('x').map(Number) as [number, number];
  return [Math.min(1024, Math.max(64, w)), Math.min(1024, Math.max(64, h))];
}
