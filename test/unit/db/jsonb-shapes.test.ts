// The JSONB shapes (docs/jsonb-shapes.md): examples that conform and ones that must be refused.
import { expect } from 'chai';
import { jsonbProblems } from '../../../src/db/jsonb/validate.js';

describe('JSONB shapes (src/db/jsonb/shapes.ts)', () => {
  it('availableSlots: weekly and dated slots with start, end and status', () => {
    expect(jsonbProblems('availableSlots', {})).to.deep.equal([]);
    expect(
      jsonbProblems('availableSlots', {
        timeZone: 'America/New_York',
        slotMinutes: 30,
        slots: [
          { id: 's1', day: 'mon', start: '09:00', end: '12:30', status: 'available' },
          { id: 's2', date: '2026-12-24', start: '09:00', end: '17:00', status: 'unavailable', comment: 'Holiday' },
        ],
      }),
    ).to.deep.equal([]);
    expect(
      jsonbProblems('availableSlots', { slots: [{ id: 's', start: '09:00', end: '10:00', status: 'available' }] }),
    ).to.have.length.greaterThan(0);
    expect(
      jsonbProblems('availableSlots', {
        slots: [{ id: 's', day: 'mon', start: '9am', end: '10:00', status: 'available' }],
      }),
    ).to.have.length.greaterThan(0);
  });

  it('medicines: a stable id, code, name, dose and frequency are required', () => {
    const medicine = {
      id: 'm1',
      medicineCode: 'MED-00001',
      name: 'Amoxil',
      strength: '500mg',
      form: 'Capsule',
      dose: { value: 1, unit: 'capsule' },
      route: 'oral',
      frequency: { text: 'three times daily', count: 3, period: 1, periodUnit: 'd' },
      duration: { value: 7, unit: 'd' },
      quantity: { value: 21, unit: 'capsule' },
      refills: 0,
      instructions: 'Complete the full course.',
    };
    expect(jsonbProblems('medicines', [medicine])).to.deep.equal([]);
    expect(jsonbProblems('medicines', [])).to.have.length.greaterThan(0);
    expect(jsonbProblems('medicines', [{ ...medicine, id: undefined }])).to.have.length.greaterThan(0);
    expect(
      jsonbProblems('medicines', [{ ...medicine, frequency: { count: 3, period: 1, periodUnit: 'fortnight' } }]),
    ).to.have.length.greaterThan(0);
  });

  it('lineItems and payments: money is a decimal string, never a JSON number', () => {
    const item = {
      id: 'li1',
      code: '99213',
      description: 'Office visit',
      quantity: 1,
      unitPrice: '120.00',
      discount: '0.00',
      taxAmount: '9.90',
      total: '129.90',
    };
    expect(jsonbProblems('lineItems', [item])).to.deep.equal([]);
    expect(jsonbProblems('lineItems', [{ ...item, unitPrice: 120.0 }])).to.have.length.greaterThan(0);
    expect(jsonbProblems('lineItems', [{ ...item, total: '129.999' }])).to.have.length.greaterThan(0);
    expect(jsonbProblems('payments', null)).to.deep.equal([]);
    expect(
      jsonbProblems('payments', [
        { id: 'p1', date: '2026-11-02T10:00:00Z', amount: '50.00', method: 'card', reference: 'TXN-1' },
      ]),
    ).to.deep.equal([]);
    expect(
      jsonbProblems('payments', [{ id: 'p1', date: '2026-11-02T10:00:00Z', amount: '50.00', method: 'barter' }]),
    ).to.have.length.greaterThan(0);
  });

  it('testResults: a numeric or text value, unit, reference range and flag', () => {
    expect(jsonbProblems('testResults', null)).to.deep.equal([]);
    expect(
      jsonbProblems('testResults', [
        {
          id: 'r1',
          code: '718-7',
          codeSystem: 'http://loinc.org',
          name: 'Hemoglobin',
          value: 13.2,
          unit: 'g/dL',
          referenceRange: { low: 13.5, high: 17.5 },
          flag: 'L',
        },
        { id: 'r2', code: '5778-6', name: 'Color of Urine', value: 'Yellow' },
      ]),
    ).to.deep.equal([]);
    expect(
      jsonbProblems('testResults', [{ id: 'r1', name: 'Hemoglobin', value: 13.2, flag: 'LOW' }]),
    ).to.have.length.greaterThan(0);
  });

  it('changes: {old, new} with optional query and patients', () => {
    expect(jsonbProblems('changes', { old: { status: 'scheduled' }, new: { status: 'cancelled' } })).to.deep.equal([]);
    expect(jsonbProblems('changes', { query: 'Patient?name=smith', patients: ['a', 'b'] })).to.deep.equal([]);
    expect(jsonbProblems('changes', { password: 'secret' })).to.have.length.greaterThan(0);
  });
});
