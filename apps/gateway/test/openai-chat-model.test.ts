/** The OpenAI Chat Completions client's suite (`openai-chat-client-suite.ts`), its requests sent with `fetch`. */
import { fetchPostBody } from '../src/models/post-json.ts';
import { chatClientSuite } from './openai-chat-client-suite.ts';

chatClientSuite(fetchPostBody);
