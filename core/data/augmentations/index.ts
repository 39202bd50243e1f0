/** Host-side, per-image, seeded augmentation ops (see README.md in this folder). */
export * from './image.js';
export * from './flip-crop.js';
export * from './resized-crop.js';
export * from './color.js';
export * from './grayscale.js';
export * from './blur.js';
export * from './tone.js';
export * from './geometric.js';
export * from './policy-ops.js';
export * from './rand-augment.js';
export * from './auto-augment.js';
export * from './pipeline.js';
