// convsight: the public API (see README). Names here are a contract with outside tests.

export { createEngine, Engine, type EngineOptions, type AdapterInfo } from './engine/engine.ts';
export { Tensor, type DType } from './engine/tensor.ts';
export type { ReluMode } from './ops/elementwise.ts';
