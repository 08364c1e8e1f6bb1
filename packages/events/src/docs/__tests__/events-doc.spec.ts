import { existsSync, readFileSync } from 'node:fs';
import { EVENT_CATALOG } from '../../catalog';
import { TOPICS } from '../../topics';
import { renderEventsDoc } from '../events-doc';
import { EVENTS_DOC_PATH, formattedEventsDoc } from '../generate-events-doc';

describe('docs/events.md', () => {
  it('should match the generator output when the event catalog changed', () => {
    const committed = existsSync(EVENTS_DOC_PATH) ? readFileSync(EVENTS_DOC_PATH, 'utf8') : '';
    const expected = formattedEventsDoc();
    if (committed !== expected) {
      throw new Error(
        'docs/events.md is stale: run `npm run build && node packages/events/dist/src/docs/generate-events-doc.js` and commit it',
      );
    }
  });

  it('should document every topic, event type and kcat line when rendered', () => {
    const document = renderEventsDoc();
    for (const topic of Object.values(TOPICS)) {
      expect(document).toContain(`kcat -b 127.0.0.1:9092 -C -t ${topic}`);
    }
    for (const definition of EVENT_CATALOG) {
      expect(document).toContain(`### \`${definition.type}\``);
    }
    expect(document).toContain('`deskgraph.dlq.<group>`');
  });
});
