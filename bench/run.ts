// The benchmark harness: `npm run bench [-- <scenario>] [options]`.
//   rest (default)  REST read and create against bare node:http baselines (bench/rest.ts)
//   foundation      cold start and seed throughput, embedded and PostgreSQL (bench/foundation.ts)
//   search          FHIR search over 100,000 patients against a bare node:http baseline (bench/search.ts)
//   auth            the cost of SMART authorization on reads; token endpoint throughput (bench/auth.ts)
//   audit           Patient read with auditing on and off; backup and verified restore times (bench/audit.ts)
//   labs            a lab's report transaction at 8 labs; reports with their results vs the same SQL (bench/labs.ts)
//   bulk            issue 9's figures: $export vs COPY TO, transaction Bundles vs multi-row INSERT,
//                   npm run import vs COPY FROM (bench/bulk.ts)
//   export          the bulk scenario's export part alone (writes .bench/export.json)
const scenarios: Record<string, () => Promise<(args: string[]) => Promise<void>>> = {
  rest: async () => (await import('./rest.js')).runRest,
  foundation: async () => (await import('./foundation.js')).runFoundation,
  search: async () => (await import('./search.js')).runSearchBench,
  auth: async () => (await import('./auth.js')).runAuth,
  audit: async () => (await import('./audit.js')).runAudit,
  labs: async () => (await import('./labs.js')).runLabsBench,
  bulk: async () => (await import('./bulk.js')).runBulkBench,
  export: async () => {
    const { runBulkBench } = await import('./bulk.js');
    return (args) => runBulkBench(args, { only: ['export'], report: 'export.json' });
  },
};

const argv = process.argv.slice(2);
const name = argv[0] && !argv[0].startsWith('-') ? argv.shift()! : 'rest';
const load = scenarios[name];
if (!load) {
  console.error(`unknown scenario "${name}"; choose one of: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
const run = await load();
await run(argv);
