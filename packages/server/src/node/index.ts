export { type NodeSSEOptions, writeSSEResponse } from './node-response.ts';
