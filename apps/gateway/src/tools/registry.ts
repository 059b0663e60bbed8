/**
 * The tools the gateway runs itself (the demo model calls them): `time` (the gateway's clock)
 * and `calculate` (safe arithmetic). A tool's failure is a result with `isError`, never a
 * thrown error: the model reads it and answers.
 * @module
 */
import { ArithmeticError, evaluateArithmetic } from './arithmetic.ts';

export interface ToolOutcome {
  output: unknown;
  isError: boolean;
}

export interface GatewayTool {
  name: string;
  description: string;
  /** JSON Schema of the input. */
  parameters: Record<string, unknown>;
  run(input: unknown, signal: AbortSignal): Promise<ToolOutcome> | ToolOutcome;
}

export class ToolRegistry {
  readonly #tools = new Map<string, GatewayTool>();

  constructor(tools: GatewayTool[]) {
    for (const tool of tools) this.#tools.set(tool.name, tool);
  }

  has(name: string): boolean {
    return this.#tools.has(name);
  }

  async run(name: string, input: unknown, signal: AbortSignal): Promise<ToolOutcome> {
    const tool = this.#tools.get(name);
    if (!tool) return { output: { type: 'unknown_tool', message: `no tool named "${name}"` }, isError: true };
    return tool.run(input, signal);
  }
}

const timeTool = (now: () => number): GatewayTool => ({
  name: 'time',
  description: "The current date and time on the gateway's clock, in UTC.",
  parameters: { type: 'object', properties: {} },
  run: () => {
    const date = new Date(now());
    return { output: { iso: date.toISOString(), unix_ms: date.getTime(), time_zone: 'UTC' }, isError: false };
  },
});

const calculateTool: GatewayTool = {
  name: 'calculate',
  description: 'Evaluates an arithmetic expression: numbers, + - * / % ^ and parentheses.',
  parameters: {
    type: 'object',
    properties: { expression: { type: 'string', description: 'such as 12*7 or (1+2)^3' } },
    required: ['expression'],
  },
  run: (input) => {
    const expression = (input as { expression?: unknown } | null)?.expression;
    if (typeof expression !== 'string')
      return { output: { type: 'invalid_input', message: 'expected {"expression": string}' }, isError: true };
    try {
      return { output: { expression, value: evaluateArithmetic(expression) }, isError: false };
    } catch (error) {
      if (!(error instanceof ArithmeticError)) throw error;
      return { output: { type: error.type, message: error.message }, isError: true };
    }
  },
};

/** The gateway's own tools; `now` is the clock of the `time` tool (injected in tests). */
export function gatewayTools(now: () => number = Date.now): ToolRegistry {
  return new ToolRegistry([timeTool(now), calculateTool]);
}
