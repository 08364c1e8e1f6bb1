export * from './sensitive-numbers';
export * from './mask-input';
export * from './remask';
