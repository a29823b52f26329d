/**
 * A job that runs every `intervalMs` without ever overlapping itself, and that `stop()`
 * ends cleanly: no new run starts, and the one in flight is awaited. The timer is unref'd,
 * so it never keeps a process alive on its own.
 */
export interface PeriodicJob {
  stop(): Promise<void>;
}

export function startPeriodicJob(intervalMs: number, run: () => Promise<unknown>, onError: (error: unknown) => void): PeriodicJob {
  let inFlight: Promise<void> | undefined;
  const tick = (): void => {
    if (inFlight) return; // the previous run is still going
    inFlight = run()
      .then(() => undefined, onError)
      .finally(() => {
        inFlight = undefined;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
