// Parsing search queries (http://hl7.org/fhir/R4/search.html#escaping, #combining, #include).
import { expect } from 'chai';
import { parseSearchRequest, type Query } from '../../../src/search/parse.js';

describe('search › parse (search.html)', () => {
  it('OR by comma, AND by repetition, with \\, \\| and \\$ escaped', () => {
    const { params } = parseSearchRequest({ family: ['a\\,b,c', 'd'], identifier: 'sys\\|x|co\\$de|y' });
    expect(params.map((p) => [p.key, p.values.map((v) => v.raw)])).to.deep.equal([
      ['family', ['a,b', 'c']],
      ['family', ['d']],
      ['identifier', ['sys|x|co$de|y']],
    ]);
    expect(params[2]!.values[0]).to.deep.include({ system: 'sys|x', code: 'co$de|y' });
    expect(parseSearchRequest({ gender: '|male' }).params[0]!.values[0]).to.deep.include({ system: '', code: 'male' });
  });

  it('keeps modifiers, chains and _has in the key; result parameters apart', () => {
    const request = parseSearchRequest({
      'subject:Patient.name': 'x',
      '_has:Observation:patient:code': '1',
      _sort: 'family,-birthdate',
      _count: '10',
      _include: 'PractitionerRole:practitioner:Practitioner',
      '_revinclude:iterate': 'PractitionerRole:practitioner',
      _format: 'json',
    });
    expect(request.params.map((p) => p.key)).to.deep.equal(['subject:Patient.name', '_has:Observation:patient:code']);
    expect(request.result.sort).to.deep.equal([
      { name: 'family', descending: false },
      { name: 'birthdate', descending: true },
    ]);
    expect(request.result.count).to.equal(10);
    expect(request.result.include[0]).to.deep.include({
      param: 'practitioner',
      target: 'Practitioner',
      iterate: false,
    });
    expect(request.result.revinclude[0]).to.deep.include({ iterate: true });
  });

  it('refuses a bad _count, _total, _summary, _include and NUL characters', () => {
    const bad: Query[] = [
      { _count: '-1' },
      { _count: '1.5' },
      { _total: 'x' },
      { _summary: 'x' },
      { _include: 'x' },
      { name: 'a\u0000' },
    ];
    for (const query of bad) expect(() => parseSearchRequest(query), JSON.stringify(query)).to.throw(/./);
  });
});
