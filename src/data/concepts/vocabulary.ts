// The concept vocabulary: every named colour, shape, part, scene and texture the generator draws,
// and the fixed Broden label number of each.
//
// Unlike NetDissect's joinseg (which numbers labels by descending frequency in the data it joined),
// the numbers here are fixed by this table, so that every split, whatever its seed and size, uses the
// same numbers: a model trained on one split can be dissected on another.

export type Rgb = readonly [number, number, number];

export const COLORS = [
  { name: 'red', rgb: [220, 30, 30] },
  { name: 'green', rgb: [40, 170, 50] },
  { name: 'blue', rgb: [35, 70, 225] },
  { name: 'yellow', rgb: [240, 220, 40] },
  { name: 'cyan', rgb: [40, 210, 220] },
  { name: 'magenta', rgb: [215, 40, 200] },
  { name: 'orange', rgb: [245, 140, 20] },
  { name: 'purple', rgb: [115, 45, 165] },
  { name: 'white', rgb: [245, 245, 245] },
  { name: 'black', rgb: [20, 20, 20] },
  { name: 'grey', rgb: [128, 128, 128] },
] as const satisfies readonly { name: string; rgb: Rgb }[];

/** Shape classes; an image's classification label is the index here of its largest visible object. */
export const SHAPES = ['circle', 'ring', 'triangle', 'square', 'hexagon', 'star', 'cross', 'crescent'] as const;
export type ShapeName = (typeof SHAPES)[number];

/** Parts of shapes: the band along a shape's outline, and the neighbourhood of its convex vertices. */
export const PARTS = ['edge', 'corner'] as const;

/** Background textures (names after the DTD classes that Broden's texture category uses, where one fits). */
export const TEXTURES = ['plain', 'striped-horizontal', 'striped-vertical', 'striped-diagonal', 'chequered', 'dotted', 'grid', 'wavy', 'blotchy'] as const;
export type TextureName = (typeof TEXTURES)[number];

/** Scenes by object count: one, two or three objects. */
export const SCENES = ['single', 'pair', 'group'] as const;

export type CategoryKind = 'pixel' | 'image';

export interface VocabularyCategory {
  name: string;
  /** 'pixel': a mask PNG per image; 'image': a whole-image label number in index.csv. */
  kind: CategoryKind;
  /** Broden label names, in code order (code = position + 1). */
  labels: readonly string[];
  /** The Broden number of the first label; the rest follow consecutively. */
  first: number;
}

// Broden's conventions for names shared between categories: colours end in '-c', scenes in '-s'.
const categoryList: Omit<VocabularyCategory, 'first'>[] = [
  { name: 'color', kind: 'pixel', labels: COLORS.map((c) => `${c.name}-c`) },
  { name: 'object', kind: 'pixel', labels: SHAPES },
  { name: 'part', kind: 'pixel', labels: PARTS },
  { name: 'scene', kind: 'image', labels: SCENES.map((s) => `${s}-s`) },
  { name: 'texture', kind: 'image', labels: TEXTURES },
];

function numberCategories(list: Omit<VocabularyCategory, 'first'>[]): VocabularyCategory[] {
  let next = 1; // label 0 means "no label"
  return list.map((c) => {
    const first = next;
    next += c.labels.length;
    return { ...c, first };
  });
}

export const CATEGORIES: readonly VocabularyCategory[] = numberCategories(categoryList);

function category(name: string): VocabularyCategory {
  return CATEGORIES.find((c) => c.name === name)!;
}

/** Broden label numbers of the i-th colour, shape, part, scene, texture. */
export const colorLabel = (i: number): number => category('color').first + i;
export const objectLabel = (i: number): number => category('object').first + i;
export const partLabel = (i: number): number => category('part').first + i;
export const sceneLabel = (i: number): number => category('scene').first + i;
export const textureLabel = (i: number): number => category('texture').first + i;

/** The number of labels, including 0 ("no label"). */
export const LABEL_COUNT = CATEGORIES.reduce((n, c) => n + c.labels.length, 1);
