// SMART scopes v1 and v2 (scopes-and-launch-context.html): what each scope grants, and which
// requested scopes a registered scope covers.
import { expect } from 'chai';
import { actionOf, parseResourceScope, scopeCovered } from '../../../src/auth/scopes.js';

const actions = (scope: string) => [...(parseResourceScope(scope)?.actions ?? [])].sort().join('');

describe('auth › scopes (scopes-and-launch-context.html)', () => {
  it('v1 read is r+s, write is c+u+d, * is everything', () => {
    expect(actions('patient/Observation.read')).to.equal('rs');
    expect(actions('user/*.write')).to.equal('cdu');
    expect(actions('system/*.*')).to.equal('cdrsu');
  });

  it('v2 letters in order: rs, cruds; out of order or empty is not a resource scope', () => {
    expect(actions('patient/Observation.rs')).to.equal('rs');
    expect(actions('user/Appointment.cruds')).to.equal('cdrsu');
    expect(parseResourceScope('patient/Observation.sr')).to.equal(undefined);
    expect(parseResourceScope('patient/Observation.')).to.equal(undefined);
    expect(parseResourceScope('openid')).to.equal(undefined);
    expect(parseResourceScope('launch/patient')).to.equal(undefined);
    expect(parseResourceScope('doctor/Patient.read')).to.equal(undefined);
  });

  it('v2 search-parameter restrictions are kept name by name', () => {
    const grant = parseResourceScope(
      'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory',
    )!;
    expect(grant.restrictions).to.deep.equal([
      { name: 'category', value: 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory' },
    ]);
  });

  it('maps every interaction to its SMART action', () => {
    expect(actionOf('read')).to.equal('r');
    expect(actionOf('vread')).to.equal('r');
    expect(actionOf('search-type')).to.equal('s');
    expect(actionOf('history-type')).to.equal('s');
    expect(actionOf('create')).to.equal('c');
    expect(actionOf('patch')).to.equal('u');
    expect(actionOf('delete')).to.equal('d');
  });

  it('a registered scope covers narrower requests of the same context, never another context or a wider one', () => {
    expect(scopeCovered('patient/Patient.rs', ['patient/*.cruds'])).to.equal(true);
    expect(scopeCovered('patient/Patient.read', ['patient/*.rs'])).to.equal(true);
    expect(scopeCovered('patient/Patient.cruds', ['patient/*.rs'])).to.equal(false);
    expect(scopeCovered('user/Patient.rs', ['patient/*.cruds'])).to.equal(false);
    expect(scopeCovered('patient/Patient.rs?gender=female', ['patient/Patient.rs'])).to.equal(true);
    expect(scopeCovered('patient/Patient.rs', ['patient/Patient.rs?gender=female'])).to.equal(false);
    expect(scopeCovered('openid', ['openid fhirUser'.split(' ')].flat())).to.equal(true);
    expect(scopeCovered('offline_access', ['patient/*.*'])).to.equal(false);
  });
});
