/**
 * Test support: a fake OpenAI-compatible media server in the documented streaming formats.
 * `POST /v1/images/generations` with `stream: true` sends `partial_images` events
 * `image_generation.partial_image` then `image_generation.completed` (each image base64 in
 * `b64_json`); without it, the usual JSON. `POST /v1/audio/speech` with `stream_format: "sse"`
 * sends the audio as base64 `speech.audio.delta` pieces then `speech.audio.done`; without it
 * (or with `rawSpeech`), the raw audio in chunks. Every image and every audio file is
 * deterministic from the request, so a test can compare what the gateway serves with what the
 * upstream sent (`imageBytes`, `speechBytes`). Records requests and whether each was aborted.
 * @module
 */
import { createHash } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeMediaOptions {
  /** Pause between streamed events. */
  eventDelayMs?: number;
  /** Ignore `stream_format` and send raw audio (as some self-hosted servers do). */
  rawSpeech?: boolean;
  /** Answer every request with this HTTP status. */
  status?: number;
  /** Send the partial images, then hold the stream open without completing it. */
  holdImage?: boolean;
  /** Send the partial images, then end the stream without its completed event. */
  cutImage?: boolean;
  /** Send an image event whose data is not JSON. */
  garbage?: boolean;
}

export interface FakeMediaRequest {
  path: string;
  body: Record<string, unknown>;
  authorization: string | undefined;
  aborted: boolean;
}

export interface FakeMedia {
  url: string;
  requests: FakeMediaRequest[];
  options: FakeMediaOptions;
  close(): Promise<void>;
}

/** Bytes a fake image or audio file holds: a hash stream of its name, of a size set by it. */
function fakeBytes(name: string, size: number): Buffer {
  const blocks: Buffer[] = [];
  for (let k = 0; blocks.length * 32 < size; k++)
    blocks.push(createHash('sha256').update(`${name}#${k}`).digest());
  return Buffer.concat(blocks).subarray(0, size);
}

/** Image `index` of a prompt (`final` for the completed one), as the upstream sends it. */
export const imageBytes = (prompt: string, index: number | 'final') =>
  fakeBytes(`image:${prompt}:${index}`, 3000 + prompt.length);

/** The audio of one input, as the upstream sends it. */
export const speechBytes = (input: string) => fakeBytes(`speech:${input}`, 5000 + input.length * 13);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sse(res: ServerResponse, type: string, data: object): void {
  res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
}

async function images(res: ServerResponse, body: Record<string, unknown>, options: FakeMediaOptions) {
  const prompt = String(body.prompt);
  if (body.stream !== true) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ created: 1, data: [{ b64_json: imageBytes(prompt, 'final').toString('base64') }] }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  if (options.garbage) {
    res.end('event: image_generation.partial_image\ndata: {"b64_json": nope\n\n');
    return;
  }
  const partials = Number(body.partial_images ?? 0);
  for (let index = 0; index < partials && !res.destroyed; index++) {
    await sleep(options.eventDelayMs ?? 0);
    const b64 = imageBytes(prompt, index).toString('base64');
    sse(res, 'image_generation.partial_image', {
      b64_json: b64,
      partial_image_index: index,
      output_format: 'png',
      size: body.size ?? '1024x1024',
      created_at: 1,
    });
  }
  if (options.holdImage) return;
  if (options.cutImage) {
    res.end();
    return;
  }
  await sleep(options.eventDelayMs ?? 0);
  const usage = {
    input_tokens: 10,
    output_tokens: 100,
    total_tokens: 110,
    input_tokens_details: { image_tokens: 0, text_tokens: 10 },
  };
  sse(res, 'image_generation.completed', {
    b64_json: imageBytes(prompt, 'final').toString('base64'),
    output_format: 'png',
    size: body.size ?? '1024x1024',
    created_at: 1,
    usage,
  });
  res.end();
}

async function speech(res: ServerResponse, body: Record<string, unknown>, options: FakeMediaOptions) {
  const audio = speechBytes(String(body.input));
  const pieces = [audio.subarray(0, 1000), audio.subarray(1000, 2001), audio.subarray(2001)];
  if (body.stream_format !== 'sse' || options.rawSpeech) {
    res.writeHead(200, { 'content-type': 'audio/mpeg' });
    for (const piece of pieces) {
      res.write(piece);
      await sleep(options.eventDelayMs ?? 0);
    }
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const piece of pieces) {
    sse(res, 'speech.audio.delta', { audio: piece.toString('base64') });
    await sleep(options.eventDelayMs ?? 0);
  }
  sse(res, 'speech.audio.done', { usage: { input_tokens: 5, output_tokens: 50, total_tokens: 55 } });
  res.end();
}

/** The gateway settings that send images and speech to the OpenAI-compatible server at `url`. */
export const openAIMediaEnv = (url: string): Record<string, string> => ({
  IMAGE_PROVIDER: 'openai',
  IMAGE_BASE_URL: url,
  TTS_PROVIDER: 'openai',
  TTS_BASE_URL: url,
});

export async function startFakeMedia(options: FakeMediaOptions = {}): Promise<FakeMedia> {
  const requests: FakeMediaRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
    const recorded: FakeMediaRequest = {
      path: req.url ?? '',
      body,
      authorization: req.headers.authorization,
      aborted: false,
    };
    requests.push(recorded);
    res.on('close', () => {
      if (!res.writableFinished) recorded.aborted = true;
    });
    if (fake.options.status) {
      res.writeHead(fake.options.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'refused', type: 'invalid_request_error' } }));
    } else if (req.url === '/v1/images/generations') await images(res, body, fake.options);
    else if (req.url === '/v1/audio/speech') await speech(res, body, fake.options);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fake: FakeMedia = {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    options,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}
