/**
 * The connection state under the thread: connecting, streaming, reconnecting (attempt n; when
 * the server is out of reach, most often a restart, it says so: the answer resumes after it),
 * offline, or failed with a Retry button that resumes the stream; "via WebSocket" when the
 * stream moved off SSE (a network that buffers or refuses event streams).
 * @module
 */
import { connection, isBusy, messages, retry } from '../chat/state.ts';
import { focusComposerIfLost } from './composer.tsx';

export function ConnectionStatus() {
  const { state, attempt, message, cause, transport } = connection.value;
  const labels: Record<string, string> = {
    connecting: 'Connecting…',
    streaming: 'Streaming',
    reconnecting:
      cause === 'network_error'
        ? `The server restarted or is out of reach; resuming the answer (attempt ${attempt})…`
        : `Reconnecting (attempt ${attempt})…`,
    offline: 'Offline: waiting for the network…',
    failed: `Connection failed${message ? `: ${message}` : ''}`,
  };
  const via =
    transport === 'websocket' && (state === 'streaming' || state === 'connecting') ? ' via WebSocket' : '';
  const label = labels[state] && labels[state] + via;
  const resumable = state === 'failed' && !isBusy() ? messages.value.findLast((m) => m.retry) : undefined;
  return (
    <div
      class={`status ${state}`}
      role="status"
      data-testid="status"
      data-state={state}
      data-transport={transport}
    >
      {label && (
        <>
          <span class="dot" aria-hidden="true" />
          {label}
          {resumable && (
            <button
              type="button"
              onClick={() => {
                retry(resumable.key);
                focusComposerIfLost();
              }}
            >
              Retry
            </button>
          )}
        </>
      )}
    </div>
  );
}
