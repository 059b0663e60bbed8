/**
 * Who a request counts against: its user when there is one (an anonymous visitor counts as its
 * IP: a visitor can drop its cookie and get another), else its IP address (from the socket on
 * Node; from the `clientAddress` an edge entry binds, which the platform vouches for, e.g.
 * Cloudflare's `CF-Connecting-IP`; from `X-Forwarded-For` only when `TRUST_PROXY` says a proxy
 * in front sets it). Of
 * `X-Forwarded-For` only the last address counts: the proxy appends the address it saw, and
 * anything before it is whatever the client chose to send.
 * @module
 */
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import { isAnonymous } from '../auth/anonymous.ts';
import type { AppEnv } from '../services.ts';

/** What an edge entry binds about the request's client: the address its platform saw. */
export interface ClientAddressBinding {
  clientAddress?: string;
}

export function clientIp(c: Context<AppEnv>, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  const env = c.env as (HttpBindings & ClientAddressBinding) | undefined;
  return env?.clientAddress ?? env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

export function clientKey(c: Context<AppEnv>, trustProxy: boolean): string {
  const user = c.get('user');
  return user === null || isAnonymous(user) ? `ip:${clientIp(c, trustProxy)}` : `user:${user}`;
}
