/**
 * What the demo model says around its tools, deterministically: a short reasoning before every
 * answer, the tool call a question asks for (the time, or a calculation such as "what is
 * 12*7"), and the answer built from the tool's result (for the time, with a source and an
 * image of a clock, so every part of an answer shows in the embedded default).
 * @module
 */
import type { ModelPart } from './provider.ts';

export interface DemoToolCall {
  id: string;
  name: 'time' | 'calculate';
  /** The call's JSON arguments, as the model streams them. */
  arguments: string;
}

const TIME = /\b(what time is it|what(?:'s| is) the (?:current )?time|current time|time now)\b/i;
const ASKS_TO_COMPUTE = /\b(what(?:'s| is)|calculate|compute|how much is|evaluate)\b/i;
/** Numbers joined by at least one operator, parentheses allowed. */
const EXPRESSION = /[-(\d.][\d\s.()]*(?:[-+*/%^×÷][\s(]*[-\d.][\d\s.()]*)+/;

/** FNV-1a, 32 bits: a stable id for a question's tool call. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** The tool call `question` asks for, if any. */
export function demoToolCall(question: string): DemoToolCall | undefined {
  const id = `call_demo_${hash(question.trim())}`;
  if (TIME.test(question)) return { id, name: 'time', arguments: '{}' };
  if (!ASKS_TO_COMPUTE.test(question)) return undefined;
  // What trails the last operand (a full stop, an opening parenthesis) is not part of it.
  const expression = EXPRESSION.exec(question)?.[0]
    .replace(/[^\d)]+$/, '')
    .trim();
  if (!expression || !/\d\s*\)*\s*[-+*/%^×÷]/.test(expression)) return undefined;
  return { id, name: 'calculate', arguments: JSON.stringify({ expression }) };
}

/** The demo's reasoning before it answers `question` (or calls a tool for it). */
export function demoReasoning(question: string, call: DemoToolCall | undefined): string {
  if (call?.name === 'time')
    return "The user wants the current time. I will ask the time tool for the gateway's clock.";
  if (call)
    return `The user wants a calculation. I will call the calculate tool with ${call.arguments} rather than guess.`;
  const words = question.trim().split(/\s+/);
  const shown = words.length > 6 ? `${words.slice(0, 6).join(' ')}…` : words.join(' ');
  return `The user asks “${shown}”. I will answer with the demo text.`;
}

/** The demo's answer once its tool returned `output` (the result's JSON text). */
export function demoToolAnswer(name: string, output: string): string {
  let result: Record<string, unknown> = {};
  try {
    result = JSON.parse(output) as Record<string, unknown>;
  } catch {
    // A result that is not JSON is reported as text below.
  }
  const error = result.error as { message?: string } | undefined;
  if (error) return `The \`${name}\` tool could not answer: ${error.message ?? output}.`;
  if (name === 'time')
    return `The \`time\` tool read the gateway's clock: it is **${String(result.iso ?? output)}** (UTC).`;
  if (name === 'calculate')
    return `The \`calculate\` tool worked it out: **${String(result.expression)} = ${String(result.value)}**.`;
  return `The \`${name}\` tool returned \`${output}\`.`;
}

/** A call's JSON arguments in the small pieces a model streams them in. */
export function argumentPieces(text: string, size = 4): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

/** An analog clock at `iso` (UTC), as an SVG image. */
function clockSvg(iso: string): string {
  const date = new Date(iso);
  const minutes = date.getUTCMinutes();
  const hand = (degrees: number, length: number, width: number) => {
    const rad = ((degrees - 90) * Math.PI) / 180;
    const x = (60 + length * Math.cos(rad)).toFixed(1);
    const y = (60 + length * Math.sin(rad)).toFixed(1);
    return `<line x1="60" y1="60" x2="${x}" y2="${y}" stroke="#1d2129" stroke-width="${width}" stroke-linecap="round"/>`;
  };
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120">',
    '<circle cx="60" cy="60" r="56" fill="#f6f7f9" stroke="#0b6bcb" stroke-width="4"/>',
    hand(((date.getUTCHours() % 12) + minutes / 60) * 30, 30, 5),
    hand(minutes * 6, 44, 3),
    '<circle cx="60" cy="60" r="4" fill="#0b6bcb"/>',
    '</svg>',
  ].join('');
}

/** What the demo attaches to an answer from its tool: for the time, its source and a clock. */
export function demoAttachments(name: string, output: string): ModelPart[] {
  if (name !== 'time') return [];
  let iso: unknown;
  try {
    iso = (JSON.parse(output) as { iso?: unknown }).iso;
  } catch {
    return [];
  }
  if (typeof iso !== 'string' || Number.isNaN(Date.parse(iso))) return [];
  const svg = Buffer.from(clockSvg(iso)).toString('base64');
  return [
    {
      type: 'source',
      id: 'rfc3339',
      url: 'https://www.rfc-editor.org/rfc/rfc3339',
      title: 'RFC 3339: Date and Time on the Internet: Timestamps',
    },
    { type: 'file', id: 'clock', mediaType: 'image/svg+xml', url: `data:image/svg+xml;base64,${svg}` },
  ];
}
