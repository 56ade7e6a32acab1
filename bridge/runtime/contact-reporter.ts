import type { Logger } from 'winston';
import type { Connector } from '../connectors/connector.js';
import type { ContactItem, OdooContract } from '../odoo/contract.js';

/**
 * Tells Odoo, every `worker.contact_interval_ms`, what this sidecar sees of each of its targets
 * (sync_contact): Odoo records the contact, so a target the worker does not claim from (circuit
 * open, paused by a rate limit) still shows the sidecar alive, and shows why nothing moves. With
 * an addon older than 18.0.1.13.0 nothing is sent (the claims alone are the contact there).
 * Each report carries the sidecar's release. A failed report is logged and tried again at the next interval.
 */
export class ContactReporter {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private warned = false;

  constructor(
    private readonly contract: Pick<OdooContract, 'contact'>,
    private readonly connectors: ReadonlyArray<Pick<Connector, 'code' | 'circuitState' | 'pausedForMs'>>,
    private readonly workerId: string,
    private readonly intervalMs: number,
    private readonly log: Logger,
    /** This sidecar's release, sent with each report (Odoo shows it on the target). */
    private readonly version?: string,
  ) {}

  /** Each target's state now. */
  items(): ContactItem[] {
    return this.connectors.map((c) => {
      const paused = c.pausedForMs();
      if (paused > 0) return { code: c.code, state: 'paused', detail: `for ${Math.ceil(paused / 1000)} s more` };
      const circuit = c.circuitState();
      if (circuit === 'open') return { code: c.code, state: 'circuit_open', detail: 'its calls failed; nothing is sent to it until the circuit closes' };
      if (circuit === 'half_open') return { code: c.code, state: 'half_open' };
      return { code: c.code, state: 'ok' };
    });
  }

  /** One report now; never throws. */
  report(): Promise<void> {
    this.running ??= this.send().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async send(): Promise<void> {
    const items = this.items();
    if (items.length === 0) return;
    try {
      const res = await this.contract.contact(this.workerId, items, this.version);
      if (res && res.refused.length > 0) this.log.warn('sync_contact: targets unknown to Odoo', { refused: res.refused });
      this.warned = false;
    } catch (err) {
      if (!this.warned) this.log.warn(`sync_contact failed (tried again in ${Math.round(this.intervalMs / 1000)} s): ${String(err)}`);
      this.warned = true;
    }
  }

  start(): this {
    void this.report();
    this.timer = setInterval(() => { void this.report(); }, this.intervalMs);
    this.timer.unref();
    return this;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
