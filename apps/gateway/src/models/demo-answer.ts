/**
 * The demo model's answer text: deterministic for a question (same question, same answer),
 * a few hundred tokens of Markdown with headings, a list, a fenced code block, Arabic and
 * emoji, so that every hop's Markdown and UTF-8 handling is exercised.
 * @module
 */

const TOPICS = [
  'streaming answers over Server-Sent Events',
  'resuming a stream after a dropped connection',
  'keeping proxies from buffering event streams',
  'decoding UTF-8 safely across chunk boundaries',
  'rendering Markdown while it is still arriving',
];

const POINTS = [
  'Every event carries an id of the form `STREAM_ID:SEQ`, so a client always knows where it stopped.',
  'The generation runs on while no client is connected; its events wait in the log.',
  'A client that comes back sends `Last-Event-ID` and receives exactly the events it missed.',
  'Heartbeats keep idle connections alive through proxies and load balancers.',
  'A slow reader never makes the server buffer without bound: it is disconnected and resumes.',
  'Deltas are coalesced into short phrases, so the network carries fewer, larger frames.',
  'Text is decoded with a streaming decoder, so a character split between packets survives.',
  'Reconnects back off exponentially with jitter, so a recovering server is not stampeded.',
];

const CODE = [
  [
    'ts',
    "const source = new EventSource('/api/v1/stream/chat?q=hello');",
    "source.addEventListener('delta', (e) => {",
    '  const { text } = JSON.parse(e.data);',
    '  output.textContent += text;',
    '});',
  ],
  [
    'bash',
    'curl -N "http://localhost:5000/api/v1/stream/chat?q=Hello"',
    '# resume after event 7 of a stream:',
    'curl -N -H "Last-Event-ID: $STREAM:7" "http://localhost:5000/api/v1/stream/chat"',
  ],
  [
    'python',
    'import json',
    'for line in response.iter_lines():',
    '    if line.startswith(b"data: "):',
    '        print(json.loads(line[6:]).get("text", ""), end="")',
  ],
];

/** FNV-1a, 32 bits: a stable hash so the same question picks the same answer. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function pick<T>(items: readonly T[], seed: number, count: number): T[] {
  const out: T[] = [];
  for (let i = 0; out.length < count; i++) {
    const item = items[(seed + i * 7) % items.length]!;
    if (!out.includes(item)) out.push(item);
  }
  return out;
}

/** The whole demo answer to `question`. */
export function demoAnswer(question: string): string {
  const seed = hash(question.trim());
  const topic = TOPICS[seed % TOPICS.length]!;
  const points = pick(POINTS, seed, 5);
  const [lang, ...code] = CODE[seed % CODE.length]!;
  const shown = question.trim().slice(0, 200);
  return [
    `## A demo answer about ${topic}`,
    '',
    `You asked: “${shown}”. This is tidewire's built-in **demo** model: it answers every question deterministically, at a steady pace, so that you can watch a stream arrive, cut the connection, and see it resume without losing or repeating a word.`,
    '',
    '### What makes a stream survive',
    '',
    ...points.map((p, i) => `${i + 1}. ${p}`),
    '',
    '### Why it matters',
    '',
    'Chat products lose answers in ordinary ways: a phone walks out of Wi-Fi range, a proxy holds the stream in its buffer, a laptop sleeps, a tab reloads. When the connection comes back, the answer should simply continue from the last word the reader saw. Nothing is generated twice, nothing is billed twice, and nothing is missing.',
    '',
    '### A short example',
    '',
    `\`\`\`${lang}`,
    ...code,
    '```',
    '',
    '### Multilingual check',
    '',
    '- العربية: مرحبًا بك في tidewire، البث يستمر حتى بعد انقطاع الاتصال ويعود من حيث توقف.',
    '- Emoji: 🌊 tides, 🚀 launches, 👩🏽‍💻 a developer, 🇯🇵 a flag, and ✨ sparkles.',
    '- 日本語: ストリームは再接続後も続きます。',
    '',
    `> Tip: ask the same question twice and compare; the answers match byte for byte (seed ${seed.toString(16)}).`,
    '',
    'That is the whole answer. Thanks for trying tidewire!',
  ].join('\n');
}

/** A model-like token: a word with the whitespace before it, or trailing whitespace. */
const TOKEN = /\s*\S+|\s+/g;

/** Splits text into model-like tokens: each word with the whitespace before it. */
export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

/** Characters `\s` matches (ECMAScript WhiteSpace and LineTerminator). */
function isSpace(code: number): boolean {
  return code <= 32
    ? code === 32 || (code >= 9 && code <= 13)
    : code === 0xa0 ||
        code === 0x1680 ||
        (code >= 0x2000 && code <= 0x200a) ||
        code === 0x2028 ||
        code === 0x2029 ||
        code === 0x202f ||
        code === 0x205f ||
        code === 0x3000 ||
        code === 0xfeff;
}

/** Where the token starting at `at` ends (`TOKEN` matched by hand: no match array per token). */
function tokenEnd(text: string, at: number): number {
  let end = at;
  while (end < text.length && isSpace(text.charCodeAt(end))) end++;
  if (end === text.length) return end;
  while (end < text.length && !isSpace(text.charCodeAt(end))) end++;
  return end;
}

/**
 * The tokens of `text` from character `offset` on, one at a time, without building an array
 * (a paced stream holds only its position, not 300 strings).
 */
export function* tokensFrom(text: string, offset = 0): Generator<string> {
  for (let at = offset; at < text.length; ) {
    const end = tokenEnd(text, at);
    yield text.slice(at, end);
    at = end;
  }
}

const recent = new Map<string, string>();
const RECENT_ANSWERS = 256;

/** `demoAnswer`, remembered for recent questions (streams of one question share the text). */
export function cachedDemoAnswer(question: string): string {
  let answer = recent.get(question);
  if (answer === undefined) {
    answer = demoAnswer(question);
    if (recent.size >= RECENT_ANSWERS) recent.delete(recent.keys().next().value!);
    recent.set(question, answer);
  }
  return answer;
}
