import type { InferReply } from "../contracts/index.js";

/** Buffers one request's replies until its caller reads them; waits with a timeout. */
export class ReplyQueue {
  private readonly items: InferReply[] = [];
  private head = 0;
  private wake: (() => void) | undefined;

  push(reply: InferReply): void {
    this.items.push(reply);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** The next reply, or "timeout" when none came within `timeoutMs`, or "aborted". */
  async next(timeoutMs: number, signal?: AbortSignal): Promise<InferReply | "timeout" | "aborted"> {
    if (this.head < this.items.length) return this.take();
    if (signal?.aborted) return "aborted";
    return new Promise((resolve) => {
      const finish = (result: InferReply | "timeout" | "aborted") => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.wake = undefined;
        resolve(result);
      };
      const onAbort = () => finish("aborted");
      const timer = setTimeout(() => finish("timeout"), timeoutMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.wake = () => finish(this.take());
    });
  }

  private take(): InferReply {
    const item = this.items[this.head++] as InferReply;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return item;
  }
}
