// `npm run smart-client -- add|list|remove`: registers SMART clients in smart_clients (D8).
//   add --name N --kind public|confidential-symmetric|confidential-asymmetric --scope "S ..."
//       [--id ID] [--redirect-uri URI ...] [--jwks FILE.json | --jwks-uri URL]
// A symmetric client's secret is printed once; only its hash is stored.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { registerClient, type ClientKind } from '../auth/clients.js';
import { loadConfig } from '../config.js';
import { openDatabaseForTool } from '../db/database.js';
import { runCommand } from './run-command.js';

const KINDS: ClientKind[] = ['public', 'confidential-symmetric', 'confidential-asymmetric'];
const HELP = `usage: npm run smart-client -- add --name N --kind ${KINDS.join('|')} --scope "S ..." [--id ID]
         [--redirect-uri URI]... [--jwks FILE.json | --jwks-uri URL]
       npm run smart-client -- list
       npm run smart-client -- remove --id ID`;

await runCommand(async () => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    strict: true,
    options: {
      id: { type: 'string' },
      name: { type: 'string' },
      kind: { type: 'string' },
      scope: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      jwks: { type: 'string' },
      'jwks-uri': { type: 'string' },
    },
  });
  const command = positionals[0] ?? 'help';
  if (!['add', 'list', 'remove'].includes(command)) return void console.log(HELP);
  const config = loadConfig();
  const db = await openDatabaseForTool({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 1 });
  try {
    const em = db.orm.em.fork();
    if (command === 'list') {
      const rows = await em.execute<{ client_id: string; kind: string; name: string; scope: string }[]>(
        'select client_id, kind, name, scope from smart_clients order by client_id',
      );
      for (const r of rows) console.log(`${r.client_id}\t${r.kind}\t${r.name}\t${r.scope}`);
    } else if (command === 'remove') {
      if (!values.id) throw new Error('--id is required');
      await em.execute('delete from smart_clients where client_id = ?', [values.id]);
      console.log(`removed ${values.id}`);
    } else {
      if (!values.name || !values.scope) throw new Error(`--name and --scope are required\n${HELP}`);
      if (!KINDS.includes(values.kind as ClientKind)) throw new Error(`--kind must be one of ${KINDS.join(', ')}`);
      for (const uri of values['redirect-uri'] ?? []) new URL(uri);
      const jwks = values.jwks ? JSON.parse(fs.readFileSync(values.jwks, 'utf8')) : undefined;
      const { clientId, clientSecret } = await registerClient(em, {
        clientId: values.id,
        name: values.name,
        kind: values.kind as ClientKind,
        scope: values.scope,
        redirectUris: values['redirect-uri'],
        jwks,
        jwksUri: values['jwks-uri'],
      });
      console.log(`client_id ${clientId}`);
      if (clientSecret) console.log(`client_secret ${clientSecret} (shown once; only its hash is kept)`);
    }
  } finally {
    await db.close();
  }
});
