// Results of the REST scenarios: means over rounds, ratios to the baseline, a markdown table,
// the JSON file, and a digest of what a server logged.
import fs from 'node:fs';
import path from 'node:path';
import type { LoadResult } from './load.js';

export type Target = 'ours' | 'baseline';

export interface Round {
  database: string;
  scenario: string;
  target: Target;
  round: number;
  warmup: LoadResult;
  measured: LoadResult;
}

export interface TargetSummary {
  requestsPerSecond: number;
  p99Ms: number;
  /** Non-2xx responses and connection errors, warm-ups included. */
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
}

export interface Summary {
  database: string;
  scenario: string;
  rounds: number;
  ours: TargetSummary;
  baseline: TargetSummary;
  /** ours / baseline requests per second (1 = as fast as the baseline). */
  throughputRatio: number;
  /** ours / baseline p99 latency (1 = as fast as the baseline). */
  p99Ratio: number;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);

function summarizeTarget(rounds: Round[]): TargetSummary {
  const runs = rounds.flatMap((r) => [r.warmup, r.measured]);
  const statusCodes: Record<string, number> = {};
  for (const run of runs)
    for (const [code, count] of Object.entries(run.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  return {
    requestsPerSecond: mean(rounds.map((r) => r.measured.requestsPerSecond)),
    p99Ms: mean(rounds.map((r) => r.measured.p99Ms)),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    statusCodes,
  };
}

export function summarize(rounds: Round[]): Summary[] {
  const keys = [...new Set(rounds.map((r) => `${r.database}\u0000${r.scenario}`))];
  return keys.map((key) => {
    const [database, scenario] = key.split('\u0000');
    const mine = rounds.filter((r) => r.database === database && r.scenario === scenario);
    const ours = summarizeTarget(mine.filter((r) => r.target === 'ours'));
    const baseline = summarizeTarget(mine.filter((r) => r.target === 'baseline'));
    return {
      database,
      scenario,
      rounds: mine.filter((r) => r.target === 'ours').length,
      ours,
      baseline,
      throughputRatio: ours.requestsPerSecond / baseline.requestsPerSecond,
      p99Ratio: ours.p99Ms / baseline.p99Ms,
    };
  });
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const codes = (s: TargetSummary) =>
  Object.entries(s.statusCodes)
    .map(([code, count]) => `${code}×${count}`)
    .join(' ');

export function markdownTable(summaries: Summary[]): string {
  const lines = [
    '| database | scenario | ours req/s | baseline req/s | throughput ours/baseline | ours p99 ms | baseline p99 ms | p99 ours/baseline | non-2xx ours / baseline | errors ours / baseline |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const s of summaries)
    lines.push(
      `| ${s.database} | ${s.scenario} | ${int(s.ours.requestsPerSecond)} | ${int(s.baseline.requestsPerSecond)} | ` +
        `${s.throughputRatio.toFixed(2)} | ${s.ours.p99Ms.toFixed(1)} | ${s.baseline.p99Ms.toFixed(1)} | ` +
        `${s.p99Ratio.toFixed(2)} | ${s.ours.non2xx} / ${s.baseline.non2xx} | ${s.ours.errors} / ${s.baseline.errors} |`,
    );
  const codeLines = summaries.map(
    (s) => `- ${s.database} ${s.scenario}: status codes ours ${codes(s.ours)}; baseline ${codes(s.baseline)}`,
  );
  return [...lines, '', ...codeLines].join('\n');
}

export function writeJson(file: string, data: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
}

/** What a server wrote (pino JSON lines or plain text), grouped by message, most frequent first. */
export function serverMessages(output: string, max = 20): string[] {
  const counts = new Map<string, number>();
  for (const line of output.split('\n')) {
    if (!line.trim()) continue;
    let text = line.trim();
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string }; status?: number };
      text = [`level ${entry.level}`, entry.status, entry.msg, entry.err?.message].filter(Boolean).join(': ');
    } catch {
      // not a JSON line: keep it as it is
    }
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, max)
    .map(([text, count]) => `${count}× ${text}`);
}
