// Long GPU work on the page: one task at a time, with a progress bar, a Cancel button (an
// AbortSignal the library's methods check between steps) and errors shown in words. Starting a
// new task cancels the one running.

import { el, fill, messageOf } from './dom.ts';

export interface TaskControl {
  signal: AbortSignal;
  /** done of total, with a line of text (e.g. 'step 12 of 64, activation 3.2'). */
  progress(done: number, total: number, text?: string): void;
}

export class TaskRunner {
  private current: AbortController | null = null;
  private readonly bar = el('progress', { max: 1, value: 0 });
  private readonly text = el('span', { class: 'task-text' });
  private readonly cancel = el('button', { type: 'button', class: 'cancel' }, 'Cancel');

  constructor(
    readonly root: HTMLElement,
    /** Where an error is shown (the view that started the task). */
    private readonly showError: (message: string) => void,
  ) {
    this.cancel.addEventListener('click', () => this.current?.abort());
    fill(root, this.bar, this.text, this.cancel);
    root.hidden = true;
  }

  get running(): boolean {
    return this.current !== null;
  }

  /** Cancels the task that runs, if any. */
  abort(): void {
    this.current?.abort();
  }

  /** Runs `work`; resolves true when it finished, false when it was cancelled or failed (the error is shown). */
  async run(label: string, work: (control: TaskControl) => Promise<void>): Promise<boolean> {
    this.current?.abort();
    const controller = new AbortController();
    this.current = controller;
    this.root.hidden = false;
    this.root.dataset.state = 'running';
    this.bar.removeAttribute('value'); // indeterminate until the first progress report
    this.text.textContent = `${label}…`;
    const control: TaskControl = {
      signal: controller.signal,
      progress: (done, total, text) => {
        if (this.current !== controller) return;
        this.bar.max = Math.max(1, total);
        this.bar.value = done;
        this.text.textContent = `${label}: ${text ?? `${done} of ${total}`}`;
      },
    };
    try {
      await work(control);
      if (controller.signal.aborted) throw new DOMException('cancelled', 'AbortError');
      if (this.current === controller) this.finish('done', `${label}: done`);
      return true;
    } catch (e) {
      if (this.current !== controller) return false; // replaced by a newer task
      if (controller.signal.aborted) this.finish('cancelled', `${label}: cancelled`);
      else {
        this.finish('error', `${label}: failed`);
        this.showError(messageOf(e));
      }
      return false;
    }
  }

  private finish(state: string, text: string): void {
    this.current = null;
    this.root.dataset.state = state;
    this.text.textContent = text;
    if (state === 'done') this.bar.value = this.bar.max;
  }
}
