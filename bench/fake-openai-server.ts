/**
 * The fake OpenAI-compatible upstream in a process of its own (`listening on URL` on stdout),
 * for benchmarks that time the path through it: in the bench's own process, the client's work
 * (and its garbage collections) would delay the upstream's answers too, on the gateway's path
 * only, as no real upstream shares a process with the gateway's clients.
 * @module
 */
import { startFakeOpenAI } from '../testing/fake-openai.ts';

const fake = await startFakeOpenAI();
process.stdout.write(`listening on ${fake.url}\n`);
process.once('SIGTERM', () => {
  fake.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
