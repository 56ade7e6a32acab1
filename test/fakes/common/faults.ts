import type { NextFunction, Request, Response } from 'express';
import type { ManagedServer } from './http-server.js';
import type { LedgerRequest } from './ledger.js';

/** How a fake answers an injected 5xx or 429 (each vendor has its own body and headers). */
export interface FaultResponders {
  serverError(res: Response, status: number): void;
  tooManyRequests(res: Response): void;
}

export interface FaultState {
  down: boolean;
  slowMs: number;
  next5xx: number;
  status5xx: number;
  ratio5xx: number;
  ratioStatus: number;
  next429: number;
  /** Requests still to hang (Infinity: all until reset). */
  timeouts: number;
  /** Requests whose socket is still to be destroyed mid-request (ECONNRESET on the client). */
  drops: number;
  /** Requests are processed at once (their effect recorded) but answered this late (0: off). */
  lateAnswerMs: number;
  /** Only requests of this method are answered late (undefined: every method). */
  lateAnswerMethod: string | undefined;
}

const initial = (): FaultState => ({
  down: false,
  slowMs: 0,
  next5xx: 0,
  status5xx: 503,
  ratio5xx: 0,
  ratioStatus: 500,
  next429: 0,
  timeouts: 0,
  drops: 0,
  lateAnswerMs: 0,
  lateAnswerMethod: undefined,
});

/**
 * Fault injection shared by every fake. Faults apply to vendor routes only, never to
 * /__control/. Order per request: slow delay, then drop / timeout / 429 / 5xx.
 */
export class FaultInjector {
  private s: FaultState = initial();
  private ratioAcc = 0;
  private downTimer: NodeJS.Timeout | null = null;
  private readonly hung = new Set<Response>();

  constructor(
    private readonly server: ManagedServer,
    private readonly responders: FaultResponders,
  ) {}

  state(): FaultState {
    return { ...this.s, down: !this.server.listening };
  }

  /** Connection refused: stops listening and destroys open sockets. With forMs, comes back by itself. */
  async down(forMs?: number): Promise<void> {
    this.clearDownTimer();
    this.s.down = true;
    this.releaseHung();
    await this.server.stop();
    if (forMs !== undefined && forMs > 0) {
      this.downTimer = setTimeout(() => void this.up(), forMs);
      this.downTimer.unref();
    }
  }

  /** Listens again on the same port. */
  async up(): Promise<void> {
    this.clearDownTimer();
    this.s.down = false;
    await this.server.listen();
  }

  /** Delays every vendor request by ms (0 turns it off). */
  slow(ms: number): void {
    this.s.slowMs = Math.max(0, ms);
  }
  /**
   * Processes every vendor request at once (its effect lands in the store and the ledger) but
   * holds the answer back ms: a client that gives up or dies meanwhile never learns the outcome
   * (the "landed but unanswered" case of an in-doubt delivery). 0 turns it off. With `method`
   * (e.g. 'POST') only those requests are held back: the look-ups (GET) answer at once.
   */
  lateAnswer(ms: number, method?: string): void {
    this.s.lateAnswerMs = Math.max(0, ms);
    this.s.lateAnswerMethod = method?.toUpperCase();
  }
  /** The next n requests get a 5xx (default 503) with the vendor's error body. */
  next5xx(n: number, status = 503): void {
    this.s.next5xx = n;
    this.s.status5xx = status;
  }
  /** A deterministic share of requests (ratio 0..1) gets a 5xx: with 0.5, every second request. */
  ratio5xx(ratio: number, status = 500): void {
    this.s.ratio5xx = Math.min(1, Math.max(0, ratio));
    this.s.ratioStatus = status;
    this.ratioAcc = 0;
  }
  /** The next n requests get the vendor's 429 answer (with its rate-limit headers). */
  next429(n: number): void {
    this.s.next429 = n;
  }
  /** The next n requests (default: all until reset) are accepted and never answered. */
  timeout(n = Infinity): void {
    this.s.timeouts = n;
  }
  /** The next n requests have their connection destroyed without an answer (ECONNRESET). */
  drop(n = 1): void {
    this.s.drops = n;
  }

  /** Clears every fault, answers nothing to hung requests (destroys them) and comes back up. */
  async reset(): Promise<void> {
    this.s = initial();
    this.ratioAcc = 0;
    this.releaseHung();
    if (!this.server.listening) await this.up();
    this.clearDownTimer();
  }

  /** Destroys the sockets of requests hung by the timeout fault. */
  releaseHung(): void {
    for (const res of this.hung) res.socket?.destroy();
    this.hung.clear();
  }

  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const entry = res.locals['ledgerEntry'] as LedgerRequest | undefined;
      const mark = (f: string) => {
        if (entry) entry.fault = entry.fault ? `${entry.fault}+${f}` : f;
      };
      const apply = () => {
        if (this.s.drops > 0) {
          this.s.drops -= 1;
          mark('drop');
          req.socket.destroy();
          return;
        }
        if (this.s.timeouts > 0) {
          this.s.timeouts -= 1;
          mark('timeout');
          this.hung.add(res);
          res.on('close', () => this.hung.delete(res));
          return;
        }
        if (this.s.next429 > 0) {
          this.s.next429 -= 1;
          mark('429');
          this.responders.tooManyRequests(res);
          return;
        }
        if (this.s.next5xx > 0) {
          this.s.next5xx -= 1;
          mark('5xx');
          this.responders.serverError(res, this.s.status5xx);
          return;
        }
        if (this.s.ratio5xx > 0) {
          this.ratioAcc += this.s.ratio5xx;
          if (this.ratioAcc >= 1 - 1e-9) {
            this.ratioAcc -= 1;
            mark('5xx-ratio');
            this.responders.serverError(res, this.s.ratioStatus);
            return;
          }
        }
        next();
      };
      if (this.s.lateAnswerMs > 0 && (this.s.lateAnswerMethod === undefined || req.method === this.s.lateAnswerMethod)) {
        mark(`late:${this.s.lateAnswerMs}`);
        holdAnswer(res, this.s.lateAnswerMs);
      }
      if (this.s.slowMs > 0) {
        mark(`slow:${this.s.slowMs}`);
        const t = setTimeout(apply, this.s.slowMs);
        res.on('close', () => clearTimeout(t));
      } else apply();
    };
  }

  private clearDownTimer(): void {
    if (this.downTimer) clearTimeout(this.downTimer);
    this.downTimer = null;
  }
}

/** Defers the response's end by ms; a socket closed meanwhile gets nothing. */
function holdAnswer(res: Response, ms: number): void {
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  (res as unknown as { end: (...args: unknown[]) => Response }).end = (...args: unknown[]) => {
    const t = setTimeout(() => { if (!res.destroyed) end(...args); }, ms);
    res.on('close', () => clearTimeout(t));
    return res;
  };
}
