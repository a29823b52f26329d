export { createApp } from './app.ts';
export { createMetrics } from './metrics.ts';
export type { Metrics } from './metrics.ts';
export { PROBLEM_CONTENT_TYPE } from './problem.ts';
export type { Problem } from './problem.ts';
