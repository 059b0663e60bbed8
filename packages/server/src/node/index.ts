export { createNodeHandlers, type NodeHandlers } from './handlers.ts';
export { type NodeSSEOptions, writeSSE } from './node-response.ts';
