/**
 * A safe arithmetic evaluator for the `calculate` tool: numbers, `+ - * / % ^` (also `×` `÷`),
 * parentheses and unary minus, by recursive descent; nothing else is ever evaluated (no
 * `eval`, no names). Errors are `ArithmeticError`s with a stable `type`.
 * @module
 */

export type ArithmeticErrorType = 'invalid_expression' | 'division_by_zero' | 'not_finite';

export class ArithmeticError extends Error {
  readonly type: ArithmeticErrorType;
  constructor(type: ArithmeticErrorType, message: string) {
    super(message);
    this.name = 'ArithmeticError';
    this.type = type;
  }
}

/** The longest expression accepted, and the deepest nesting of parentheses. */
const MAX_LENGTH = 200;
const MAX_DEPTH = 32;

const TOKEN = /\s*(\d+(?:\.\d+)?|\.\d+|[-+*/%^()×÷])/y;

function tokenize(expression: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.length) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(expression);
    if (!match) {
      if (expression.slice(at).trim() === '') break;
      throw new ArithmeticError(
        'invalid_expression',
        `unexpected "${expression.slice(at).trim()[0]}" at ${at}`,
      );
    }
    tokens.push(match[1] === '×' ? '*' : match[1] === '÷' ? '/' : match[1]!);
  }
  return tokens;
}

class Parser {
  readonly #tokens: string[];
  #at = 0;
  #depth = 0;

  constructor(tokens: string[]) {
    this.#tokens = tokens;
  }

  parse(): number {
    const value = this.#sum();
    if (this.#at < this.#tokens.length)
      throw new ArithmeticError('invalid_expression', `unexpected "${this.#tokens[this.#at]}"`);
    return value;
  }

  #peek(): string | undefined {
    return this.#tokens[this.#at];
  }

  #sum(): number {
    let value = this.#product();
    for (let op = this.#peek(); op === '+' || op === '-'; op = this.#peek()) {
      this.#at++;
      const right = this.#product();
      value = op === '+' ? value + right : value - right;
    }
    return value;
  }

  #product(): number {
    let value = this.#power();
    for (let op = this.#peek(); op === '*' || op === '/' || op === '%'; op = this.#peek()) {
      this.#at++;
      const right = this.#power();
      if ((op === '/' || op === '%') && right === 0)
        throw new ArithmeticError('division_by_zero', 'division by zero');
      value = op === '*' ? value * right : op === '/' ? value / right : value % right;
    }
    return value;
  }

  /** `^` binds tighter than `*` and to the right: 2^3^2 = 2^9. */
  #power(): number {
    const base = this.#unary();
    if (this.#peek() !== '^') return base;
    this.#at++;
    return base ** this.#power();
  }

  #unary(): number {
    const op = this.#peek();
    if (op === '-' || op === '+') {
      this.#at++;
      this.#enter();
      const value = this.#unary();
      this.#depth--;
      return op === '-' ? -value : value;
    }
    return this.#atom();
  }

  #atom(): number {
    const token = this.#tokens[this.#at++];
    if (token === undefined) throw new ArithmeticError('invalid_expression', 'the expression ends too early');
    if (token === '(') {
      this.#enter();
      const value = this.#sum();
      if (this.#tokens[this.#at++] !== ')')
        throw new ArithmeticError('invalid_expression', 'a "(" is not closed');
      this.#depth--;
      return value;
    }
    const value = Number(token);
    if (Number.isNaN(value)) throw new ArithmeticError('invalid_expression', `unexpected "${token}"`);
    return value;
  }

  #enter(): void {
    if (++this.#depth > MAX_DEPTH)
      throw new ArithmeticError('invalid_expression', `nesting deeper than ${MAX_DEPTH}`);
  }
}

/** The value of an arithmetic expression such as `12*7` or `(1 + 2) ^ 3 / 4`. */
export function evaluateArithmetic(expression: string): number {
  if (expression.length > MAX_LENGTH)
    throw new ArithmeticError('invalid_expression', `the expression is longer than ${MAX_LENGTH} characters`);
  const tokens = tokenize(expression);
  if (tokens.length === 0) throw new ArithmeticError('invalid_expression', 'the expression is empty');
  const value = new Parser(tokens).parse();
  if (!Number.isFinite(value)) throw new ArithmeticError('not_finite', 'the result is not a finite number');
  // Binary floating point noise (0.1 + 0.2) is rounded away at 12 significant digits.
  return Number(value.toPrecision(12));
}
