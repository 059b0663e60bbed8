/**
 * The error `type` values of the contract, shared by server and client, and the JSON body
 * of an error outside a stream: `{"error":{"type","message"}}`.
 * @module
 */

export type ErrorType =
  | 'bad_request'
  | 'invalid_json'
  | 'missing_question'
  | 'question_too_long'
  | 'unknown_model'
  | 'invalid_last_event_id'
  | 'invalid_after'
  | 'stream_not_found'
  | 'conversation_not_found'
  | 'message_not_found'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'payload_too_large'
  | 'rate_limited'
  | 'too_many_streams'
  | 'too_many_connections'
  | 'service_unavailable'
  | 'shutting_down'
  | 'stream_too_large'
  | 'generation_interrupted'
  | 'upstream_unavailable'
  | 'upstream_auth'
  | 'upstream_rate_limited'
  | 'upstream_error'
  | 'upstream_timeout'
  | 'internal_error';

export interface ErrorBody {
  error: { type: ErrorType | (string & {}); message: string };
}

export function errorBody(type: ErrorType, message: string): ErrorBody {
  return { error: { type, message } };
}
