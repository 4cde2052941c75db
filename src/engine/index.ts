export * from './backend';
export { tf } from './tf';
