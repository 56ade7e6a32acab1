/** Injectable clock, sleep and fetch: tests drive time without waiting on the wall clock. */
export interface HttpDeps {
  now: () => number;
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
}

export type PartialDeps = Partial<HttpDeps>;

export function resolveDeps(deps: PartialDeps = {}): HttpDeps {
  return {
    now: deps.now ?? (() => Date.now()),
    fetch: deps.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
  };
}
