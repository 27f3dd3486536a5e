import { EventEmitter } from 'node:events';
import type { ResponseBody } from './exchange-cache.js';

/** The body a response tap listens to; the engine feeds it as it streams to the client. */
export class TappedBody extends EventEmitter implements ResponseBody {
  complete = false;
  private settled = false;

  resume(): this {
    return this;
  }

  push(chunk: Buffer): void {
    this.emit('data', chunk);
  }

  /** The body ended whole. */
  finish(): void {
    if (this.settled) return;
    this.settled = true;
    this.complete = true;
    this.emit('end');
    this.emit('close');
  }

  /** The body broke off. */
  abort(): void {
    if (this.settled) return;
    this.settled = true;
    this.emit('aborted');
    this.emit('close');
  }
}
