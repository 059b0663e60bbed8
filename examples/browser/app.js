// @ts-check
/**
 * The browser side: starts a job with a POST, shows its progress and result. The consumer
 * resumes on its own (a GET with Last-Event-ID, never a second POST) when the connection drops.
 */
import { SSEConsumer } from '@tidewire/client';
import { jobEvents } from '/job.js';

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

$('start').addEventListener('click', async () => {
  const consumer = new SSEConsumer('/jobs', {
    events: jobEvents, // the declaration the server uses: names and data are typed and checked
    body: {},
    resumeUrl: (streamId) => `/jobs/${streamId}`,
    onStateChange: (state) => {
      $('state').textContent = state; // connecting, streaming, reconnecting, done…
    },
  });
  consumer.on('progress', ({ pct }) => {
    /** @type {HTMLProgressElement} */ ($('progress')).value = pct;
  });
  consumer.on('result', ({ url }) => {
    $('result').textContent = url;
  });
  await consumer.connect();
});
