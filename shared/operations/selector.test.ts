import { describe, expect, it } from 'vitest';
import { selects } from './selector';

const web1 = { id: 'web-1', tags: ['web', 'nginx'], environment: 'prod' };
const web2 = { id: 'web-2', tags: ['web'], environment: 'staging' };
const db1 = { id: 'db-1', tags: ['db'], environment: 'prod' };
const fleet = [web1, web2, db1];

const picked = (selector: { serverIds?: string[]; tags?: string[]; environments?: string[] }) =>
  fleet.filter((server) => selects({ serverIds: [], tags: [], environments: [], ...selector }, server)).map((server) => server.id);

describe('selects', () => {
  it('picks the servers named, and nothing for an empty selector', () => {
    expect(picked({ serverIds: ['db-1'] })).toEqual(['db-1']);
    expect(picked({})).toEqual([]);
  });

  it('picks any of the tags, any of the environments, and both when both are given', () => {
    expect(picked({ tags: ['nginx', 'db'] })).toEqual(['web-1', 'db-1']);
    expect(picked({ environments: ['prod'] })).toEqual(['web-1', 'db-1']);
    expect(picked({ tags: ['web'], environments: ['prod'] })).toEqual(['web-1']);
  });

  it('adds the servers named to those the filter matches', () => {
    expect(picked({ serverIds: ['web-2'], tags: ['db'] })).toEqual(['web-2', 'db-1']);
  });
});
