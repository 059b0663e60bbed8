/**
 * One tool call as a card: the tool's name, its arguments as they stream (pretty once whole),
 * and its result (or error). A call the answer ended on without a result was left to the
 * client that offered the tool.
 * @module
 */
import type { ToolView } from '@tidewire/client';

type Status = 'writing' | 'running' | 'done' | 'error' | 'client';

const LABELS: Record<Status, string> = {
  writing: 'writing arguments…',
  running: 'running…',
  done: 'done',
  error: 'failed',
  client: 'for the client to run',
};

const pretty = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));

function statusOf(tool: ToolView, streaming: boolean): Status {
  if (tool.result) return tool.result.isError ? 'error' : 'done';
  if (!streaming) return 'client';
  return tool.complete ? 'running' : 'writing';
}

export function ToolCard({ tool, streaming }: { tool: ToolView; streaming: boolean }) {
  const status = statusOf(tool, streaming);
  return (
    <section
      class={`tool-card ${status}`}
      data-testid="tool-card"
      data-status={status}
      aria-label={`Tool ${tool.name}`}
    >
      <header>
        <code class="tool-name">{tool.name}</code>
        <span class="tool-status">{LABELS[status]}</span>
      </header>
      <pre class="tool-input" data-testid="tool-input" data-label="Arguments">
        {tool.input === undefined ? tool.inputText : pretty(tool.input)}
      </pre>
      {tool.result && (
        <pre class="tool-output" data-testid="tool-output" data-label="Result">
          {pretty(tool.result.output)}
        </pre>
      )}
    </section>
  );
}
