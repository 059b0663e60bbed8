/**
 * `SignInThrottle`: bounds password guessing at `POST /login` (each try costs an Argon2 hash).
 * Two bounds, both keyed by the client's IP: per name and IP (a guesser of one password), and
 * per IP across names (a guesser of many names). There is deliberately no bound per name
 * alone: a stranger elsewhere could then lock the user out. A sign-in that succeeds gives its
 * tries back, so many people behind one address (an office, a proxy) never use the bound up.
 * @module
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ApiError } from '../errors.ts';

/** Wrong tries one IP gets for one name, per minute. */
export const TRIES_PER_NAME_AND_IP = { points: 10, duration: 60 };
/** Wrong tries one IP gets across all names, per ten minutes. */
export const TRIES_PER_IP = { points: 30, duration: 600 };

export class SignInThrottle {
  readonly #perNameAndIp = new RateLimiterMemory({ ...TRIES_PER_NAME_AND_IP, keyPrefix: 'tw:login:name-ip' });
  readonly #perIp = new RateLimiterMemory({ ...TRIES_PER_IP, keyPrefix: 'tw:login:ip' });

  /** Counts a try; throws 429 `rate_limited` with `Retry-After` when either bound is used up. */
  async admit(name: string, ip: string): Promise<void> {
    try {
      await this.#perIp.consume(ip);
      await this.#perNameAndIp.consume(nameKey(name, ip));
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw new ApiError(429, 'rate_limited', `too many sign-in attempts; try again in ${seconds} s`, {
        'Retry-After': String(seconds),
      });
    }
  }

  /** The password was right: the tries it took are given back. */
  async succeeded(name: string, ip: string): Promise<void> {
    await this.#perNameAndIp.delete(nameKey(name, ip));
    await this.#perIp.reward(ip, 1);
  }
}

const nameKey = (name: string, ip: string) => `${ip}|${name}`;
