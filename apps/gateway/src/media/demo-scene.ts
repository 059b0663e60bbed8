/**
 * The demo image: a landscape drawn from the prompt (a hash of it seeds the palette, the sun,
 * the hills and the stars; words such as "night", "sunset", "ocean", "forest" pick a mood),
 * rendered at a given coarseness so the same picture can sharpen step by step. Pure
 * arithmetic: the same prompt gives the same pixels everywhere.
 * @module
 */

type Rgb = [number, number, number];

interface Scene {
  skyTop: Rgb;
  skyBottom: Rgb;
  sun: { x: number; y: number; r: number; color: Rgb };
  hills: { base: number; waves: [number, number, number][]; color: Rgb }[];
  stars: { x: number; y: number; r: number }[];
  water: Rgb | undefined;
}

/** FNV-1a of the prompt: the scene's seed. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text.trim().toLowerCase())) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a small seeded generator of numbers in [0, 1). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hsl(h: number, s: number, l: number): Rgb {
  const k = (n: number) => (n + h * 12) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1));
  return [Math.round(f(0) * 255), Math.round(f(8) * 255), Math.round(f(4) * 255)];
}

/** The scene a prompt describes. */
export function sceneOf(prompt: string): Scene {
  const rnd = random(hash(prompt));
  const words = prompt.toLowerCase();
  const night = /night|moon|star|dark/.test(words);
  const sunset = /sunset|dusk|evening|dawn|sunrise/.test(words);
  const hue = /forest|green/.test(words) ? 0.3 : /ocean|sea|blue/.test(words) ? 0.58 : rnd();
  const skyHue = night ? 0.66 : sunset ? 0.05 + rnd() * 0.05 : 0.55 + rnd() * 0.08;
  const hills = Array.from({ length: 3 }, (_, layer) => ({
    base: 0.55 + layer * 0.12 + rnd() * 0.05,
    waves: Array.from({ length: 3 }, () => [1 + rnd() * 6, rnd() * Math.PI * 2, 0.02 + rnd() * 0.05]) as [
      number,
      number,
      number,
    ][],
    color: hsl((hue + layer * 0.04) % 1, 0.45, (night ? 0.12 : 0.25) + layer * 0.08),
  }));
  return {
    skyTop: hsl(skyHue, 0.6, night ? 0.06 : 0.45),
    skyBottom: hsl(sunset ? 0.08 : skyHue, 0.7, night ? 0.2 : 0.8),
    sun: {
      x: 0.15 + rnd() * 0.7,
      y: 0.15 + rnd() * 0.25,
      r: 0.05 + rnd() * 0.06,
      color: night ? [235, 235, 210] : sunset ? [255, 140, 60] : [255, 230, 120],
    },
    hills,
    stars: night
      ? Array.from({ length: 40 }, () => ({ x: rnd(), y: rnd() * 0.5, r: 0.002 + rnd() * 0.003 }))
      : [],
    water: /ocean|sea|lake|river/.test(words) ? hsl(0.58, 0.5, night ? 0.15 : 0.4) : undefined,
  };
}

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [
  Math.round(a[0] + (b[0] - a[0]) * t),
  Math.round(a[1] + (b[1] - a[1]) * t),
  Math.round(a[2] + (b[2] - a[2]) * t),
];

/** The colour of the scene at (x, y), both in [0, 1). */
function colorAt(scene: Scene, x: number, y: number): Rgb {
  for (let i = scene.hills.length - 1; i >= 0; i--) {
    const hill = scene.hills[i]!;
    const top = hill.waves.reduce((h, [f, p, a]) => h - a * Math.sin(x * f * Math.PI + p), hill.base);
    if (y >= top) return mix(hill.color, [0, 0, 0], Math.min(0.4, (y - top) * 0.8));
  }
  if (scene.water && y > 0.62) return mix(scene.water, scene.skyBottom, 0.25 * Math.sin(y * 90) ** 2);
  const { sun } = scene;
  const d = Math.hypot(x - sun.x, y - sun.y);
  if (d < sun.r) return sun.color;
  for (const star of scene.stars) if (Math.hypot(x - star.x, y - star.y) < star.r) return [255, 255, 240];
  const sky = mix(scene.skyTop, scene.skyBottom, y / 0.7);
  return d < sun.r * 3 ? mix(sun.color, sky, (d - sun.r) / (sun.r * 2)) : sky;
}

/** RGB pixels of the scene, each `block`×`block` square filled with the colour at its centre. */
export function renderScene(scene: Scene, width: number, height: number, block: number): Uint8Array {
  const pixels = new Uint8Array(width * height * 3);
  for (let by = 0; by < height; by += block) {
    for (let bx = 0; bx < width; bx += block) {
      const color = colorAt(scene, (bx + block / 2) / width, (by + block / 2) / height);
      for (let y = by; y < Math.min(by + block, height); y++) {
        for (let x = bx; x < Math.min(bx + block, width); x++) pixels.set(color, (y * width + x) * 3);
      }
    }
  }
  return pixels;
}
