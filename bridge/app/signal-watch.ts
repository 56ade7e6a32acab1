/**
 * Catches SIGTERM/SIGINT from the first moment of `sync-bridge start` (before the heavy modules
 * load) so that a stop requested during start-up is honoured once start-up is done, instead of
 * the process dying half-started. A second signal of the same kind is not caught: it ends the
 * process at once (the operator's way to force a stop).
 *
 * SIGHUP asks for a mapping reload (bridge/app/mapping-reload.ts); it is caught from the start
 * too (its default action would end the process), and one received before the reload handler
 * exists is delivered once it is set.
 */
export class SignalWatch {
  private handler: ((signal: string) => void) | undefined;
  private early: string | undefined;
  private reloadHandler: (() => void) | undefined;
  private earlyReload = false;

  constructor() {
    const catcher = (signal: NodeJS.Signals) => {
      if (this.handler) this.handler(signal);
      else this.early ??= signal;
    };
    process.once('SIGTERM', catcher);
    process.once('SIGINT', catcher);
    process.on('SIGHUP', this.hup);
  }

  private readonly hup = (): void => {
    if (this.reloadHandler) this.reloadHandler();
    else this.earlyReload = true;
  };

  /** Calls `fn` for a signal received from now on, or at once for one received earlier. */
  onSignal(fn: (signal: string) => void): void {
    this.handler = fn;
    if (this.early) fn(this.early);
  }

  /** Calls `fn` for every SIGHUP from now on, and at once when one came earlier. */
  onReload(fn: () => void): void {
    this.reloadHandler = fn;
    if (this.earlyReload) {
      this.earlyReload = false;
      fn();
    }
  }

  /** Stops catching SIGHUP (tests; a stopping sidecar keeps catching it, see start.ts). */
  close(): void {
    process.removeListener('SIGHUP', this.hup);
  }
}
