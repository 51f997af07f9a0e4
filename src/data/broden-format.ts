// The Broden on-disk format's CSV headers (as NetDissect writes and reads them), shared by our
// writer and reader. classes.csv is our own addition: the classification label of each image.

export const INDEX_COLUMNS = ['image', 'split', 'ih', 'iw', 'sh', 'sw'] as const;
export const CATEGORY_COLUMNS = ['name', 'first', 'last', 'count', 'frequency'] as const;
export const LABEL_COLUMNS = ['number', 'name', 'category', 'frequency', 'coverage', 'syns'] as const;
export const CODE_COLUMNS = ['code', 'number', 'name', 'frequency', 'coverage'] as const;
export const CLASS_COLUMNS = ['image', 'label', 'name'] as const;
