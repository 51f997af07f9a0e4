// The pictures the methods look at: samples made in the page by the concept generator (the same
// generator the default model was trained on), the user's own files (anything the browser
// decodes), or a frame from the camera when the user asks for it. Each is fitted to the model's
// input (centre crop and resize, fitImage) before it is shown or preprocessed, so what the page
// shows is exactly what the network sees.

import { drawnRgb } from '../data/image-browser.ts';
import { generateImage } from '../data/concepts/scene.ts';
import { decodeImageInBrowser } from '../data/image-browser.ts';
import { fitImage, type RgbImage } from '../data/image.ts';
import { imageToTensor } from '../data/image.ts';
import type { Model } from '../models/model.ts';
import type { Tensor } from '../engine/tensor.ts';
import { memoryImages, type ImageSet } from '../methods/common/image-set.ts';

/** The concept dataset's seed for the page's samples: held apart from training's (seed 1). */
export const SAMPLE_SEED = 7;
export const SAMPLE_COUNT = 12;

export interface PageImage {
  /** 'concept:3', 'file', 'camera': the URL's image entry. */
  id: string;
  name: string;
  /** The picture fitted to the model's input size. */
  picture: RgbImage;
}

/** Generated concept image `index`, at the model's input size. */
export function conceptSample(model: Model, index: number): PageImage {
  const [, h, w] = model.inputShape;
  const size = Math.max(16, h, w);
  const c = generateImage(SAMPLE_SEED, index, size);
  return { id: `concept:${index}`, name: `concept sample ${index}`, picture: fitTo(model, { width: size, height: size, rgb: c.rgb }) };
}

/** The pictures of the sample set (the set top-9 and AM's reference compare against). */
export function conceptSamples(model: Model, count: number, first = 0): RgbImage[] {
  return Array.from({ length: count }, (_, i) => conceptSample(model, first + i).picture);
}

/** The first `count` samples as an image set, named as the page names them. */
export function sampleSet(model: Model, count: number): ImageSet {
  return memoryImages(conceptSamples(model, count), Array.from({ length: count }, (_, i) => `concept sample ${i}`));
}

export async function imageFromFile(model: Model, file: File): Promise<PageImage> {
  const picture = await decodeImageInBrowser(file, file.name);
  return { id: 'file', name: file.name, picture: fitTo(model, picture) };
}

/** One frame of a playing <video> (the camera). */
export function imageFromVideo(model: Model, video: HTMLVideoElement): PageImage {
  const { videoWidth: width, videoHeight: height } = video;
  if (!width || !height) throw new Error('the camera has not delivered a picture yet');
  return { id: 'camera', name: 'camera', picture: fitTo(model, drawnRgb(video, width, height)) };
}

export function fitTo(model: Model, picture: RgbImage): RgbImage {
  const [, h, w] = model.inputShape;
  return picture.width === w && picture.height === h ? picture : fitImage(picture, w, h);
}

/** The picture as the model's preprocessed input [1, C, H, W]; the caller disposes it. */
export function inputTensor(model: Model, image: PageImage): Tensor {
  const { picture } = image;
  return imageToTensor(model.engine, picture.rgb, picture.width, picture.height, model.spec.input);
}
