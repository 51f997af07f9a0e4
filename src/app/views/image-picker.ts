// The image the methods look at: one of the generated concept samples, the user's own picture, or
// a frame from the camera (asked for only when the user presses Camera). Shown fitted to the
// model's input, which is what the network sees.

import { rgbToRgba } from '../../data/image.ts';
import type { Model } from '../../models/model.ts';
import { el, fill, messageOf, pictureCanvas } from '../dom.ts';
import { SAMPLE_COUNT, conceptSample, imageFromFile, imageFromVideo, type PageImage } from '../images.ts';

export interface ImagePickerActions {
  choose(image: PageImage): void;
  showError(message: string): void;
}

let camera: MediaStream | null = null;

function stopCamera(): void {
  camera?.getTracks().forEach((t) => t.stop());
  camera = null;
}

export function renderImagePicker(root: HTMLElement, model: Model, current: PageImage, actions: ImagePickerActions): void {
  const samples = el('div', { class: 'samples' });
  for (let i = 0; i < SAMPLE_COUNT; i++) {
    const sample = conceptSample(model, i);
    const button = el('button', { type: 'button', class: sample.id === current.id ? 'sample selected' : 'sample', title: sample.name, 'data-image': sample.id, onclick: () => actions.choose(sample) },
      pictureCanvas(rgbToRgba(sample.picture), sample.name, 'thumb'));
    samples.append(button);
  }
  const input = el('input', { type: 'file', id: 'image-file', accept: 'image/*' });
  input.addEventListener('change', async () => {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    try {
      actions.choose(await imageFromFile(model, file));
    } catch (e) {
      actions.showError(messageOf(e));
    }
  });
  const cameraArea = el('div', { class: 'camera' });
  const cameraButton = el('button', { type: 'button', onclick: () => openCamera(cameraArea, model, actions) }, 'Camera…');
  fill(
    root,
    el('h2', {}, 'Image'),
    el('div', { class: 'current-image' }, pictureCanvas(rgbToRgba(current.picture), current.name, 'picture'), el('p', { class: 'small', id: 'image-name' }, current.name)),
    samples,
    el('div', { class: 'row' }, el('label', { class: 'button', for: 'image-file' }, 'Open image…'), input, cameraButton),
    cameraArea,
  );
}

async function openCamera(area: HTMLElement, model: Model, actions: ImagePickerActions): Promise<void> {
  if (!navigator.mediaDevices?.getUserMedia) {
    actions.showError('This browser gives no camera access to the page (it needs https or localhost).');
    return;
  }
  try {
    stopCamera();
    camera = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  } catch (e) {
    actions.showError(`The camera could not be opened: ${messageOf(e)}`);
    return;
  }
  const video = el('video', { autoplay: true, muted: true, playsinline: true, class: 'video' });
  video.srcObject = camera;
  const take = el('button', {
    type: 'button',
    onclick: () => {
      try {
        actions.choose(imageFromVideo(model, video));
        stopCamera();
        fill(area);
      } catch (e) {
        actions.showError(messageOf(e));
      }
    },
  }, 'Take picture');
  const close = el('button', { type: 'button', onclick: () => (stopCamera(), fill(area)) }, 'Close camera');
  fill(area, video, el('div', { class: 'row' }, take, close));
}
