export * from './sensitive-numbers';
export * from './mask-input';
