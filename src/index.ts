export * from './support-matrix';
export * from './data-bucket';
