/**
 * Catches SIGTERM/SIGINT from the first moment of `sync-bridge start` (before the heavy modules
 * load) so that a stop requested during start-up is honoured once start-up is done, instead of
 * the process dying half-started. A second signal of the same kind is not caught: it ends the
 * process at once (the operator's way to force a stop).
 */
export class SignalWatch {
  private handler: ((signal: string) => void) | undefined;
  private early: string | undefined;

  constructor() {
    const catcher = (signal: NodeJS.Signals) => {
      if (this.handler) this.handler(signal);
      else this.early ??= signal;
    };
    process.once('SIGTERM', catcher);
    process.once('SIGINT', catcher);
  }

  /** Calls `fn` for a signal received from now on, or at once for one received earlier. */
  onSignal(fn: (signal: string) => void): void {
    this.handler = fn;
    if (this.early) fn(this.early);
  }
}
