/**
 * What the consumer knows of a stream's events at run time: their declared names and a check
 * of their data. The shape is the one `defineEvents` in `@tidewire/protocol` returns, so the
 * vocabulary module an app's server uses serves its client too; without one, the consumer
 * reads the chat vocabulary of the contract.
 * @module
 */
import { EVENT_NAMES, type EventDataMap, isEventName, validateEventData } from '@tidewire/protocol';
import type { EventMap } from './handlers.ts';

export interface EventVocabulary<E extends EventMap = EventMap> {
  /** Returns the problem with `data` for `event`, or undefined when it fits (or is not checked). */
  check(event: string, data: unknown): string | undefined;
  /** Declared names (empty: a vocabulary of types only, every event is taken as declared). */
  readonly names: readonly string[];
  /** Carries the event types; never set. */
  readonly types?: E;
}

/** The chat vocabulary of the contract: its events' data checked against their schemas. */
export const chatVocabulary: EventVocabulary<EventDataMap> = {
  names: EVENT_NAMES,
  check: (event, data) => (isEventName(event) ? validateEventData(event, data) : undefined),
};
