import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';
import { isPostgres } from '../../../platform/db/schema.js';

const GENDER_COLUMNS = ['gender_female', 'gender_male', 'gender_non_binary', 'gender_undisclosed'];
const COLOUR_COLUMNS = ['red', 'orange', 'yellow', 'green', 'blue', 'indigo', 'violet', 'black', 'white'].map(
  (c) => `colour_${c}`,
);

export async function up(db: Kysely<unknown>): Promise<void> {
  // Text sorts byte-wise on both databases (SQLite's default), so the dashboard's order is the same on either.
  const binary = isPostgres(db)
    ? (c: ColumnDefinitionBuilder) => c.modifyEnd(sql`collate "C"`)
    : (c: ColumnDefinitionBuilder) => c;
  await db.schema
    .createTable('surveys_responses')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(100)', binary)
    .addColumn('email', 'varchar(254)', binary)
    // lower(email) once completed, else null: unique, so an email completes one survey (nulls never clash).
    .addColumn('completed_email', 'varchar(254)', (c) => c.unique())
    .addColumn('age', 'integer')
    .addColumn('about', 'text')
    .addColumn('address', 'varchar(500)', binary)
    .addColumn('gender', 'varchar(32)', binary)
    .addColumn('book', 'varchar(200)', binary)
    // The colour set as bits in list order (bit 0 Red ... bit 8 White): replaced as a whole in one write.
    .addColumn('colours', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('step', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('completed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('completed_at', 'varchar(32)')
    .execute();
  // One index per sort column of the dashboard (with the id that breaks ties), and the default
  // order within a status filter.
  for (const column of [
    'updated_at',
    'created_at',
    'completed_at',
    'name',
    'email',
    'age',
    'gender',
    'address',
    'book',
  ]) {
    await db.schema
      .createIndex(`surveys_responses_${column}`)
      .on('surveys_responses')
      .columns([column, 'id'])
      .execute();
  }
  await db.schema
    .createIndex('surveys_responses_completed_updated_at')
    .on('surveys_responses')
    .columns(['completed', 'updated_at', 'id'])
    .execute();

  let summary = db.schema
    .createTable('surveys_summary')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('completed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('in_progress', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('age_sum', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('age_count', 'integer', (c) => c.notNull().defaultTo(0));
  for (const column of [...GENDER_COLUMNS, ...COLOUR_COLUMNS])
    summary = summary.addColumn(column, 'integer', (c) => c.notNull().defaultTo(0));
  await summary
    .addColumn('updated_at', 'varchar(32)')
    // The event sequence: bumped with the sums in every write, so ids follow commit order.
    .addColumn('last_event_id', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await (db as Kysely<{ surveys_summary: { id: number } }>)
    .insertInto('surveys_summary')
    .values({ id: 1 })
    .execute();

  // The replay buffer: the last events, for dashboards that reconnect with Last-Event-ID.
  await db.schema
    .createTable('surveys_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('surveys_events').execute();
  await db.schema.dropTable('surveys_summary').execute();
  await db.schema.dropTable('surveys_responses').execute();
}
