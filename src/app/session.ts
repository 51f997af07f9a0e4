// The engine and the model the page works with, and how they come back after the GPU device is
// lost (driver reset, tab in the background too long, the GPU process crashing): the session
// remembers where the model came from (the bundled default, or the user's file bytes, kept in
// memory), so a restart makes a new engine and loads the same model without asking again.

import { createEngine, type Engine } from '../engine/engine.ts';
import { buildModel, type Model } from '../models/model.ts';
import { loadDefaultModel } from '../models/default-model.ts';
import { modelFromFiles, type NamedBytes } from './model-files.ts';

export interface LoadedModel {
  model: Model;
  /** The URL's model key: 'default' or the file's hash. */
  key: string;
  /** For people: 'conceptnet (default)', or the file's name. */
  name: string;
}

type ModelSource = { kind: 'default' } | { kind: 'files'; files: NamedBytes[] };

export class Session {
  engine: Engine | null = null;
  loaded: LoadedModel | null = null;
  private source: ModelSource | null = null;
  /** Called once per engine when its device is lost (not when the page destroys it). */
  onLost: (message: string) => void = () => {};

  /** Creates the engine (throws the library's message when there is no WebGPU). */
  async start(): Promise<Engine> {
    const engine = await createEngine();
    this.engine = engine;
    engine.device.lost.then((info) => {
      // The session forgets an engine before destroying it, so only a loss it did not cause reaches here.
      if (this.engine === engine) this.onLost(`The GPU device was lost (${info.reason || 'unknown reason'}): ${info.message || 'no message'}`);
    });
    return engine;
  }

  async loadDefault(): Promise<LoadedModel> {
    const engine = this.requireEngine();
    const model = await loadDefaultModel(engine);
    return this.replace({ kind: 'default' }, { model, key: 'default', name: `${model.spec.name} (default)` });
  }

  async loadFiles(files: NamedBytes[]): Promise<LoadedModel> {
    const engine = this.requireEngine();
    const read = await modelFromFiles(files);
    const model = await buildModel(engine, read.spec, read.weights);
    return this.replace({ kind: 'files', files }, { model, key: read.key, name: read.name });
  }

  /** A new engine and the same model, after the device was lost. */
  async restart(): Promise<LoadedModel | null> {
    const source = this.source;
    this.loaded = null;
    const old = this.engine;
    this.engine = null;
    try {
      old?.destroy();
    } catch {
      // The old device is gone already; nothing to free.
    }
    await this.start();
    if (!source) return null;
    return source.kind === 'default' ? this.loadDefault() : this.loadFiles(source.files);
  }

  private replace(source: ModelSource, loaded: LoadedModel): LoadedModel {
    this.loaded?.model.dispose();
    this.source = source;
    this.loaded = loaded;
    return loaded;
  }

  private requireEngine(): Engine {
    if (!this.engine) throw new Error('WebGPU is not running on this page');
    return this.engine;
  }
}
