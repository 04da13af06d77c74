// The Groups this server defines (https://hl7.org/fhir/uv/bulkdata/STU2/group-level-export.html):
// "all-patients", every patient, and one practitioner's panel per doctor (Group.id = doctors.id):
// the patients with an appointment, not deleted, with that doctor. They are computed from the
// tables on every read, so they are served read-only, as the current state (version 1, now).
import type { Bundle, Group } from 'fhir/r4.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { SqlCondition } from '../../mappings/types.js';
import { rawQuery } from '../db/raw-query.js';
import { isUuid } from '../fhir/repository.js';
import { FhirError } from '../fhir/outcome.js';

export const ALL_PATIENTS = 'all-patients';

export interface GroupDefinition {
  id: string;
  name: string;
  /** The Practitioner whose panel this is. */
  practitioner?: string;
  /** SQL of the patients.id of the members (a subquery). */
  members: SqlCondition;
}

const PANEL_MEMBERS = `select a."patientId" from appointments a where a."doctorId" = ?::uuid and a."deletedAt" is null`;

/** The Group with this id, or undefined when there is none. */
export async function findGroup(em: EntityManager, id: string): Promise<GroupDefinition | undefined> {
  if (id === ALL_PATIENTS)
    return {
      id,
      name: 'All patients',
      members: { sql: 'select p.id from patients p where p."deletedAt" is null', params: [] },
    };
  if (!isUuid(id)) return undefined;
  const [doctor] = await rawQuery<{ name: string }>(
    em,
    `select concat_ws(' ', u."firstName", u."lastName") as name from doctors d join users u on u.id = d."userId"
      where d.id = ?::uuid and d."deletedAt" is null`,
    [id],
  );
  if (!doctor) return undefined;
  return {
    id: id.toLowerCase(),
    name: `Patients of ${doctor.name}`,
    practitioner: id.toLowerCase(),
    members: { sql: PANEL_MEMBERS, params: [id] },
  };
}

async function render(em: EntityManager, group: GroupDefinition, baseUrl: string, withMembers: boolean) {
  const [{ quantity } = { quantity: 0 }] = await rawQuery<{ quantity: number }>(
    em,
    `select count(distinct m.id)::int as quantity from patients m
      where m."deletedAt" is null and m.id in (${group.members.sql})`,
    group.members.params,
  );
  const resource: Group = {
    resourceType: 'Group',
    id: group.id,
    meta: { versionId: '1', lastUpdated: new Date().toISOString() },
    type: 'person',
    actual: true,
    name: group.name,
    quantity,
  };
  if (group.practitioner) {
    resource.managingEntity = { reference: `Practitioner/${group.practitioner}` };
    if (withMembers) {
      const rows = await rawQuery<{ id: string }>(
        em,
        `select distinct m.id from patients m where m."deletedAt" is null and m.id in (${group.members.sql}) order by m.id`,
        group.members.params,
      );
      if (rows.length) resource.member = rows.map((r) => ({ entity: { reference: `Patient/${r.id}` } }));
    }
  }
  return { fullUrl: `${baseUrl}/Group/${group.id}`, resource };
}

/** GET Group/{id}: the panel lists its members; "all-patients" only counts them (it may be huge). */
export async function readGroup(em: EntityManager, id: string, baseUrl: string): Promise<Group> {
  const group = await findGroup(em, id);
  if (!group) throw FhirError.notFound(`Group/${id} is not known`);
  return (await render(em, group, baseUrl, true)).resource;
}

/** GET Group: every Group (without members), optionally only those of `_id`. */
export async function searchGroups(em: EntityManager, baseUrl: string, ids: string[] | undefined): Promise<Bundle> {
  const doctors = await rawQuery<{ id: string }>(
    em,
    `select d.id from doctors d where d."deletedAt" is null order by d.id`,
    [],
  );
  const all = ids ?? [ALL_PATIENTS, ...doctors.map((d) => d.id)];
  const entries = [];
  for (const id of all) {
    const group = await findGroup(em, id);
    if (group) entries.push({ ...(await render(em, group, baseUrl, false)), search: { mode: 'match' as const } });
  }
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: entries.length,
    link: [{ relation: 'self', url: `${baseUrl}/Group${ids ? `?_id=${ids.join(',')}` : ''}` }],
    entry: entries,
  };
}
