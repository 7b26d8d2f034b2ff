export * from './okera-checks';
export * from './okera-encryption-aspect';
