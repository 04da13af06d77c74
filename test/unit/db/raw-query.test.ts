// `?` placeholders become $n for node-postgres; `\?` stays a literal question mark (jsonb `?`).
import { expect } from 'chai';
import { numbered } from '../../../src/db/raw-query.js';

describe('db › raw-query placeholders', () => {
  it('numbers every ? in order and keeps an escaped \\? as the jsonb operator', () => {
    expect(numbered("select 1 where a = ? and b \\? 'k' and c in (?, ?)")).to.equal(
      "select 1 where a = $1 and b ? 'k' and c in ($2, $3)",
    );
  });
});
