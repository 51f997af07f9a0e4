// The procedural concept dataset: shapes of named colours on textured backgrounds, with Broden masks.

export { generateDataset, type GenerateOptions, type GenerateResult } from './dataset.ts';
export { generateImage, type ConceptImage, type ConceptObject } from './scene.ts';
export { CATEGORIES, COLORS, PARTS, SCENES, SHAPES, TEXTURES, LABEL_COUNT, colorLabel, objectLabel, partLabel, sceneLabel, textureLabel } from './vocabulary.ts';
