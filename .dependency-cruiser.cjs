// Layers point inward (STYLE.md): http → fhir/search/auth/bulk/audit → mappings → db.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'db-is-the-bottom',
      comment: 'src/db knows nothing of FHIR, mappings or HTTP',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: '^(src/(http|fhir|search|auth|bulk|audit|seed|cli)|mappings)/' },
    },
    {
      name: 'mappings-only-reach-db',
      comment: 'mappings/ may depend on src/db only',
      severity: 'error',
      from: { path: '^mappings/' },
      to: { path: '^src/(http|fhir|search|auth|bulk|audit|seed|cli)/' },
    },
    {
      name: 'fhir-layer-has-no-http',
      comment: 'FHIR meaning is transport-free: only src/http talks Express',
      severity: 'error',
      from: { path: '^src/(fhir|search|auth|bulk|audit)/' },
      to: { path: '^src/http/' },
    },
    {
      name: 'express-only-in-http',
      severity: 'error',
      from: { path: '^(src/(fhir|search|db|bulk|audit|seed)|mappings)/' },
      to: { path: 'node_modules/(express|cors|helmet)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
