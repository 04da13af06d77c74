// Cleanup that runs however a benchmark ends: normally, by an error, or by Ctrl-C / SIGTERM.
type Task = () => Promise<void> | void;
const tasks: Task[] = [];

/** Registers a task; tasks run last-registered first. */
export function onCleanup(task: Task): void {
  tasks.push(task);
}

export async function runCleanups(): Promise<void> {
  while (tasks.length) {
    const task = tasks.pop()!;
    try {
      await task();
    } catch (error) {
      console.error(`cleanup: ${(error as Error).message}`);
    }
  }
}

/** Runs `body`, then every registered cleanup, also when interrupted by a signal. */
export async function withCleanup(body: () => Promise<void>): Promise<void> {
  const interrupted = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: cleaning up`);
    void runCleanups().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    await body();
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await runCleanups();
  }
}
