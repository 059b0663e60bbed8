/**
 * The OpenAI Chat Completions client's suite (`openai-chat-client-suite.ts`), its requests sent
 * as the Node server sends them: node:http, the body read from the response's chunks.
 */
import { nodePostBody } from '../src/models/node-post.ts';
import { chatClientSuite } from './openai-chat-client-suite.ts';

chatClientSuite(nodePostBody);
