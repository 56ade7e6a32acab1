import { randomUUID } from 'node:crypto';

export function uuid(): string {
  return randomUUID();
}

/** Monotonic integer ids starting at `start`. */
export class Sequence {
  private n: number;
  constructor(private readonly start = 1) {
    this.n = start;
  }
  next(): number {
    return this.n++;
  }
  reset(): void {
    this.n = this.start;
  }
}
