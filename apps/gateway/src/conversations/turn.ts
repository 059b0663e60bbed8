/**
 * A chat turn's place in its conversation, decided before the stream is admitted and written
 * after, while the model is already asked (the rows do not hold up the upstream call): which
 * conversation (named, found through the parent message, or new), which message the turn
 * follows (a branch when it is not the newest), what the model reads (that branch, from the
 * root to the new question), and which model answers (the one asked for, else the one the
 * conversation used last). A regenerate adds no question: a new answer to the named one.
 * @module
 */
import { newId } from '@tidewire/server/internal';
import { badRequest, notFound } from '../errors.ts';
import type { AnswerRecorder } from '../generation.ts';
import type { ChatMessage, ModelProvider, ToolDefinition } from '../models/provider.ts';
import type { ModelRegistry } from '../models/registry.ts';
import type { ChatInput } from '../routes/chat-input.ts';
import type { Conversations } from '../services.ts';

export interface PlannedTurn {
  model: ModelProvider;
  /** Tools the client offered the model. */
  tools?: ToolDefinition[];
  /** Reads what the model needs (the branch); call once the stream is admitted. */
  open(): Promise<OpenedTurn>;
}

export interface OpenedTurn {
  conversationId: string;
  /** What the model reads: the branch from the root to the new question. */
  messages: ChatMessage[];
  /**
   * Queues the question (none for a regenerate) and the answer's row, in one write, once `after`
   * settles, and returns the answer's recorder at once; `stored` settles once both are committed.
   */
  store(streamId: string, after?: Promise<unknown>): { recorder: AnswerRecorder; stored: Promise<void> };
}

type Parent = NonNullable<Awaited<ReturnType<Conversations['findMessage']>>>;

/** The named parent message, checked against the user and the named conversation. */
async function findParent(conversations: Conversations, user: string | null, input: ChatInput) {
  if (typeof input.parentMessageId !== 'string') return undefined;
  const parent = await conversations.findMessage(user, input.parentMessageId);
  if (!parent) throw notFound('message_not_found', `message ${input.parentMessageId} not found`);
  if (input.conversationId !== undefined && parent.conversationId !== input.conversationId) {
    throw badRequest(
      'bad_request',
      `parent_message_id ${parent.id} is not a message of conversation ${input.conversationId}`,
    );
  }
  if (input.messages.length === 0 && parent.role !== 'user') {
    throw badRequest(
      'missing_question',
      'parent_message_id names an answer: to regenerate, name its question; to ask, send `q`',
    );
  }
  return parent;
}

function chooseModel(models: ModelRegistry, asked: string | undefined, remembered: string | null) {
  // A remembered model that is no longer configured falls back to the default.
  const model =
    asked === undefined
      ? (models.resolve(remembered ?? undefined) ?? models.defaultModel)
      : models.resolve(asked);
  if (!model)
    throw badRequest('unknown_model', `unknown model "${asked}"; available: ${models.names.join(', ')}`);
  return model;
}

export async function planTurn(
  conversations: Conversations,
  models: ModelRegistry,
  user: string | null,
  input: ChatInput,
): Promise<PlannedTurn> {
  const parent = await findParent(conversations, user, input);
  const conversationId = parent?.conversationId ?? input.conversationId;
  const found = conversationId === undefined ? undefined : await conversations.find(user, conversationId);
  if (conversationId !== undefined && !found)
    throw notFound('conversation_not_found', `conversation ${conversationId} not found`);
  const model = chooseModel(models, input.model, found?.model ?? null);
  return {
    model,
    tools: input.tools,
    async open() {
      if (!found) return startConversation(conversations, user, input, model.name);
      const modelChanged = found.model !== model.name ? model.name : undefined;
      return continueConversation(conversations, found.id, input, parent, modelChanged);
    },
  };
}

function startConversation(
  conversations: Conversations,
  user: string | null,
  input: ChatInput,
  model: string,
): OpenedTurn {
  // One transaction for the conversation, its question and the answer's row; nobody else knows
  // the conversation yet, so the answer goes right after the question without reading the newest.
  const conversationId = newId();
  return {
    conversationId,
    messages: input.messages,
    store: (streamId, after) =>
      conversations.beginTurn(
        {
          conversationId,
          streamId,
          messages: input.messages,
          create: { userId: user, question: input.question, model },
        },
        after,
      ),
  };
}

async function continueConversation(
  conversations: Conversations,
  conversationId: string,
  input: ChatInput,
  parent: Parent | undefined,
  model: string | undefined,
): Promise<OpenedTurn> {
  const earlier =
    input.parentMessageId === null
      ? { leafId: null, messages: [] }
      : await conversations.branch(conversationId, parent?.id);
  return {
    conversationId,
    messages: [...earlier.messages, ...input.messages],
    store: (streamId, after) =>
      conversations.beginTurn(
        {
          conversationId,
          streamId,
          messages: input.messages,
          model,
          parentId: earlier.leafId,
        },
        after,
      ),
  };
}
