/** Offline policy-evaluation harness: resolve synthesized templates, collect policies, evaluate requests. */
export * from './resolve-templates';
export * from './policies';
export * from './evaluate';
