/**
 * What the consumer knows of a stream's events at run time: the vocabulary an app declares
 * with `defineEvents` in `@tidewire/protocol`, so the module its server uses serves its
 * client too; without one, the consumer reads the chat vocabulary of the contract.
 * @module
 */
import { chatEvents, type EventMap, type Vocabulary } from '@tidewire/protocol';

export type EventVocabulary<E extends EventMap = EventMap> = Vocabulary<E>;

/** The chat vocabulary of the contract: its events' data checked (without zod, by `@tidewire/protocol`). */
export const chatVocabulary = chatEvents;
