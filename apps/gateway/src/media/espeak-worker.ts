/**
 * A worker thread that speaks with eSpeak NG compiled to WebAssembly (npm `espeak-ng`, GPL,
 * run unmodified): each message `{id, text, voice}` is answered with `{id, wav}` (16-bit mono
 * WAV) or `{id, error}`. eSpeak's `main` runs to completion on every call, so each sentence
 * gets a fresh module; the work stays off the server's event loop. The text goes in through a
 * file, never the command line, so no text is read as an option.
 * @module
 */
import { parentPort } from 'node:worker_threads';
import ESpeakNG from 'espeak-ng';

interface SpeakMessage {
  id: number;
  text: string;
  voice: string;
}

interface EspeakModule {
  FS: { writeFile(path: string, data: string): void; readFile(path: string): Uint8Array };
}

async function speak({ text, voice }: SpeakMessage): Promise<Uint8Array> {
  const errors: string[] = [];
  const module = (await ESpeakNG({
    arguments: ['-v', voice, '-f', '/in.txt', '-w', '/out.wav'],
    print: () => {},
    printErr: (line: string) => errors.push(line),
    preRun: [(m: EspeakModule) => m.FS.writeFile('/in.txt', text)],
  })) as EspeakModule;
  try {
    return module.FS.readFile('/out.wav');
  } catch (error) {
    throw new Error(`eSpeak NG wrote no audio${errors.length ? `: ${errors.join(' ')}` : ''}`, {
      cause: error,
    });
  }
}

parentPort!.on('message', (message: SpeakMessage) => {
  speak(message).then(
    (wav) => parentPort!.postMessage({ id: message.id, wav }, [wav.buffer as ArrayBuffer]),
    (error: Error) => parentPort!.postMessage({ id: message.id, error: error.message }),
  );
});
