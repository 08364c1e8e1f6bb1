import type { Identity } from '@deskgraph/platform';
import { AnalyticsError } from '../../analytics.errors';
import { effectiveFilter } from '../metrics-filter';

const analyst = { userId: 'analyst-1', roles: ['analyst'], queueIds: [] } as unknown as Identity;

describe('effectiveFilter', () => {
  it('should refuse an unknown customer type with BAD_USER_INPUT listing the known ones', () => {
    expect(() => effectiveFilter(analyst, { customerTypes: ['FOO'] })).toThrow(AnalyticsError);
    expect(() => effectiveFilter(analyst, { customerTypes: ['ENTERPRISE', 'FOO'] })).toThrow(
      'Unknown filter.customerTypes value(s): FOO. Known values: INDIVIDUAL, ENTERPRISE, PARTNER, INTERNAL.',
    );
  });

  it('should keep known customer types and free category codes when filtering', () => {
    expect(
      effectiveFilter(analyst, { customerTypes: ['ENTERPRISE'], categories: ['delivery'] }),
    ).toMatchObject({
      customerTypes: ['ENTERPRISE'],
      categories: ['delivery'],
    });
  });
});
