// Splitting a Gemm into pieces whose operands each fit in one storage binding.
//
// A buffer can be larger than the largest range the device lets one shader bind
// (maxStorageBufferBindingSize; VGG16's fc6 weight is 411 MB). A piece covers a block of rows
// (m), columns (n) and of the inner dimension (k) of y = A'B'; each operand is bound as the one
// contiguous range of its storage that the block touches. Pieces along k accumulate into y.

export type Dim = 'm' | 'n' | 'k';
export type Blocks = Record<Dim, number>;

/**
 * How one operand's storage is laid out in terms of the product's dimensions: a block of it
 * spans (major - 1) * stride + minor elements (minor null: 1).
 */
export interface OperandLayout {
  name: string;
  major: Dim;
  minor: Dim | null;
  stride: number;
}

export function span(op: OperandLayout, blocks: Blocks): number {
  return (blocks[op.major] - 1) * op.stride + (op.minor ? blocks[op.minor] : 1);
}

/**
 * The largest blocks (then evened out over the pieces) such that every operand's range fits in
 * `limit` elements. `quantum[d]` is the granularity of a dimension (4 where a kernel reads vec4
 * along it, so that every piece starts on a vec4).
 */
export function planBlocks(sizes: Blocks, operands: OperandLayout[], limit: number, quantum: Blocks): Blocks {
  const blocks = { ...sizes };
  const roundDown = (v: number, d: Dim) => Math.max(quantum[d], Math.floor(v / quantum[d]) * quantum[d]);
  for (;;) {
    const over = operands.find((op) => span(op, blocks) > limit);
    if (!over) break;
    const before = { ...blocks };
    const minor = over.minor ? blocks[over.minor] : 1;
    if (blocks[over.major] > quantum[over.major] && minor <= limit) {
      blocks[over.major] = roundDown(Math.floor((limit - minor) / over.stride) + 1, over.major);
    } else if (over.minor) {
      blocks[over.major] = quantum[over.major];
      blocks[over.minor] = roundDown(limit - (blocks[over.major] - 1) * over.stride, over.minor);
    }
    if ((Object.keys(blocks) as Dim[]).every((d) => blocks[d] === before[d])) {
      throw new Error(`gemm: operand ${over.name} cannot be split to fit a binding of ${limit} elements`);
    }
  }
  // Even the pieces out: same number of pieces, each about the same size.
  for (const d of Object.keys(blocks) as Dim[]) {
    const pieces = Math.ceil(sizes[d] / blocks[d]);
    blocks[d] = Math.ceil(Math.ceil(sizes[d] / pieces) / quantum[d]) * quantum[d];
  }
  return blocks;
}
