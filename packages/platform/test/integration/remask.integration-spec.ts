import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { databaseModel, parseEnvironment, remaskStoredText, type SqlRunner } from '../../src';

// Text stored before the detector (or by the old one) is re-masked in place:
// full-width cards, mistyped IDs, numbers inside JSON payloads and text arrays.
describe('re-masking stored text on real PostgreSQL', () => {
  const schema = `remask_test_${randomBytes(4).toString('hex')}`;
  let client: Client;
  let run: SqlRunner;

  beforeAll(async () => {
    const { database } = parseEnvironment({ database: databaseModel });
    client = new Client({ connectionString: database.url });
    await client.connect();
    run = async (sql, parameters) => (await client.query(sql, parameters)).rows;
    await client.query(`CREATE SCHEMA "${schema}"`);
    await client.query(`CREATE TABLE "${schema}"."tickets" (
      "id" TEXT PRIMARY KEY, "title" TEXT, "contact" VARCHAR(200), "tags" TEXT[], "payload" JSONB, "size" INTEGER)`);
    await client.query(
      `CREATE TABLE "${schema}"."notes" ("ticket_id" TEXT REFERENCES "${schema}"."tickets", "body" TEXT)`,
    );
    // Free text as a primary key, as recorded search texts are.
    await client.query(`CREATE TABLE "${schema}"."searches" ("query" TEXT PRIMARY KEY, "count" INTEGER)`);
  });

  afterAll(async () => {
    await client?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client?.end();
  });

  it('should mask what the old detector left in clear, keep phone numbers and foreign keys, and change nothing the second time', async () => {
    // A key column holding a card-like number stays: masking it would break the reference from notes.
    const key = '4111111111111111';
    await client.query(
      `INSERT INTO "${schema}"."tickets" VALUES ($1, $2, $3, $4, $5, 1), ('t2', 'plain', NULL, '{}', NULL, 2)`,
      [
        key,
        '退款到卡 ６２２８４８０４２８３７０４５３ 的处理',
        '+86 139-1234-5677',
        ['vip', '110105 19491231 0021'],
        JSON.stringify({ data: { description: '身份证 110105194912310021', amount: 10, id: key } }),
      ],
    );
    for (let index = 0; index < 7; index++) {
      await client.query(`INSERT INTO "${schema}"."notes" VALUES ($1, $2)`, [
        key,
        `note ${index} card 6228-4804-2837-0453`,
      ]);
    }

    await client.query(`INSERT INTO "${schema}"."searches" VALUES ($1, 1), ($2, 2), ($3, 3)`, [
      '卡号 ************0453',
      '卡号 6228480428370453',
      'id 11010519491231002X',
    ]);

    await client.query('BEGIN');
    const first = await remaskStoredText(run, { schema, phoneColumns: ['tickets.contact'], batchSize: 3 });
    await client.query('COMMIT');

    expect(first).toEqual({
      rowsChanged: 9,
      rowsDeleted: 1,
      columns: {
        'notes.body': 7,
        'searches.query': 1,
        'tickets.payload': 1,
        'tickets.tags': 1,
        'tickets.title': 1,
      },
    });
    const searches = await client.query(`SELECT * FROM "${schema}"."searches" ORDER BY "count"`);
    expect(searches.rows).toEqual([
      { query: '卡号 ************0453', count: 1 },
      { query: 'id **************002X', count: 3 },
    ]);
    const { rows } = await client.query(`SELECT * FROM "${schema}"."tickets" WHERE "size" = 1`);
    expect(rows[0]).toEqual({
      id: key,
      title: '退款到卡 ************０４５３ 的处理',
      contact: '+86 139-1234-5677',
      tags: ['vip', '****** ******** 0021'],
      payload: { data: { description: '身份证 **************0021', amount: 10, id: '************1111' } },
      size: 1,
    });
    const notes = await client.query(`SELECT DISTINCT "body" FROM "${schema}"."notes" ORDER BY 1`);
    expect(notes.rows.map((row) => row.body.replace(/^note \d /, ''))).toEqual(
      Array(7).fill('card ****-****-****-0453'),
    );

    await client.query('BEGIN');
    expect(await remaskStoredText(run, { schema, phoneColumns: ['tickets.contact'], batchSize: 3 })).toEqual({
      rowsChanged: 0,
      rowsDeleted: 0,
      columns: {},
    });
    await client.query('COMMIT');
  });
});
