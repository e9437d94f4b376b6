import pg, { Connection, FieldDef, QueryResult, QueryResultRow, Submittable } from 'pg';
import { SET_CONTEXT_SQL, SET_READ_ONLY_CONTEXT_SQL } from './rls-context';

/**
 * What goes ahead of a statement behind its one Sync:
 * - `plain`: nothing (a later statement of an open transaction).
 * - `open`: BEGIN and the RLS context: the transaction stays open after the statement, for the
 *   request's next statements and its COMMIT or ROLLBACK.
 * - `single-read` and `single-write`: the context with no BEGIN. Everything behind one Sync is one
 *   implicit transaction (PostgreSQL protocol, "Pipelining"), so the context and the statement
 *   commit together at the Sync, or roll back together on an error: the whole transaction in one
 *   round trip. `single-read` also makes it read-only.
 */
export type StatementMode = 'plain' | 'open' | 'single-read' | 'single-write';

/**
 * A statement to prepare once per connection under its name: for a hot statement whose planning
 * costs PostgreSQL a noticeable part of its run (the ingest batch's INSERT), and for the context
 * statements. Sent unnamed when prepared statements are off (DATABASE_PREPARED_CONTEXT=false, for
 * a transaction-pooling proxy). Names must be unique per text.
 */
export interface NamedStatement {
  name: string;
  text: string;
}

/** A transaction's context as ContextStatement sends it. */
export interface TxContext {
  /** contextValues() of the RLS context. */
  values: string[];
  /** Use named prepared statements (DATABASE_PREPARED_CONTEXT), or parse each statement each time. */
  prepared: boolean;
}

/**
 * The context statements, prepared once per connection under a name: parsing and planning them
 * with every transaction cost PostgreSQL about 20 µs of CPU each time (57 against 37 µs for a
 * whole transaction of `SELECT 1`).
 */
const CONTEXT_STATEMENTS: Record<Exclude<StatementMode, 'plain'>, NamedStatement> = {
  open: { name: 'sb_rls_context', text: SET_CONTEXT_SQL },
  'single-write': { name: 'sb_rls_context', text: SET_CONTEXT_SQL },
  'single-read': { name: 'sb_rls_context_read_only', text: SET_READ_ONLY_CONTEXT_SQL },
};

/**
 * Named statements each live connection holds: true once one completed, false while its Parse is
 * out or after a failure left it unknown (it is then closed before its next Parse: closing a name
 * the server does not hold is not an error). Every named statement goes through ContextStatement,
 * so this is the connection's whole list.
 */
const preparedOn = new WeakMap<Connection, Map<string, boolean>>();

/** pg's own conversion of a JS value to a bind parameter (Date, array, Buffer, object as JSON); exported by pg as `utils`. */
const { prepareValue } = (pg as unknown as { utils: { prepareValue: (this: void, value: unknown) => string | Buffer | null } }).utils;

interface RowDescription {
  fields: FieldDef[];
}
interface DataRow {
  fields: (string | null)[];
}
interface CommandComplete {
  text: string;
}

const COMMAND_TAG = /^([A-Za-z]+)(?: (\d+))?(?: (\d+))?/;

/**
 * A transaction's statement with what must go ahead of it, in one round trip: the RLS context's
 * `set_config` calls (bind parameters) and the statement go out as extended-protocol messages behind
 * a single Sync. PostgreSQL runs them in order and stops at the first error, so the statement never
 * runs without its context. The answer is the statement's own result; the context's row and command
 * tag are skipped. Rows are parsed with pg's type parsers (`pg.types`), as pg's own Query does.
 *
 * It is a pg Submittable, the public interface pg-cursor is built on: pg calls submit() with the
 * connection when its turn comes, and hands it the backend's answers (handle* methods).
 */
export class ContextStatement implements Submittable {
  /** Command completions still to skip: BEGIN's (in `open` mode) and the context's. */
  private preamble: number;
  private readonly values: (string | Buffer | null)[];
  private readonly contextValues: (string | Buffer | null)[];
  private connection: Connection | undefined;
  /** Names this statement parses; confirmed when its answer is complete. */
  private readonly parsing: string[] = [];
  private fields: FieldDef[] = [];
  private parsers: ((value: string) => unknown)[] = [];
  private static parserOf(oid: number): (value: string) => unknown {
    return pg.types.getTypeParser(oid, 'text') as (value: string) => unknown;
  }
  private readonly rows: QueryResultRow[] = [];
  private command = '';
  private rowCount: number | null = null;
  private settled = false;

  constructor(
    private readonly context: TxContext,
    private readonly mode: StatementMode,
    /** undefined: only what goes ahead (a transaction whose first use is a cursor or TypeORM). */
    private readonly statement: string | NamedStatement | undefined,
    values: unknown[] | undefined,
    private readonly callback: (err: Error | null, res?: QueryResult) => void,
  ) {
    this.preamble = mode === 'plain' ? 0 : mode === 'open' ? 2 : 1;
    // Converted before anything is sent: a value pg cannot bind fails here, with nothing on the wire.
    this.values = (values ?? []).map(prepareValue);
    this.contextValues = mode === 'plain' ? [] : context.values.map(prepareValue);
  }

  submit(connection: Connection): void {
    this.connection = connection;
    let prepared = preparedOn.get(connection);
    if (!prepared) preparedOn.set(connection, (prepared = new Map<string, boolean>()));
    if (this.mode === 'open') {
      connection.parse({ name: '', text: 'BEGIN', types: [] }, true);
      connection.bind({ statement: '', values: [] }, true);
      connection.execute({ portal: '' }, true);
    }
    if (this.mode !== 'plain') this.send(connection, prepared, CONTEXT_STATEMENTS[this.mode], this.contextValues, false);
    if (this.statement !== undefined) this.send(connection, prepared, this.statement, this.values, true);
    connection.sync();
  }

  private send(
    connection: Connection,
    prepared: Map<string, boolean>,
    statement: string | NamedStatement,
    values: (string | Buffer | null)[],
    describe: boolean,
  ): void {
    const text = typeof statement === 'string' ? statement : statement.text;
    const name = typeof statement !== 'string' && this.context.prepared ? statement.name : '';
    if (!name || prepared.get(name) !== true) {
      if (name && prepared.has(name)) connection.close({ type: 'S', name }, true);
      connection.parse({ name, text, types: [] }, true);
      if (name) {
        prepared.set(name, false);
        this.parsing.push(name);
      }
    }
    connection.bind({ statement: name, values }, true);
    if (describe) connection.describe({ type: 'P', name: '' }, true);
    connection.execute({ portal: '' }, true);
  }

  handleRowDescription(msg: RowDescription): void {
    this.fields = msg.fields;
    // Every statement is bound with text results (bind's default), as pg's Query does.
    this.parsers = msg.fields.map((f) => ContextStatement.parserOf(f.dataTypeID));
  }

  handleDataRow(msg: DataRow): void {
    if (this.preamble > 0) return;
    const row: QueryResultRow = {};
    for (let i = 0; i < msg.fields.length; i++) {
      const raw = msg.fields[i];
      row[this.fields[i].name] = raw === null ? null : this.parsers[i](raw);
    }
    this.rows.push(row);
  }

  handleCommandComplete(msg: CommandComplete): void {
    if (this.preamble > 0) {
      this.preamble--;
      return;
    }
    const tag = COMMAND_TAG.exec(msg.text);
    if (tag) {
      this.command = tag[1];
      const count = tag[3] ?? tag[2];
      if (count !== undefined) this.rowCount = Number(count);
    }
  }

  handleEmptyQuery(): void {
    // The Sync is already out; the answer ends with ReadyForQuery.
  }

  handlePortalSuspended(): void {
    // Never: every Execute asks for all rows.
  }

  handleCopyInResponse(): void {
    this.finish(new Error('COPY is not supported through a ContextStatement'));
  }

  handleCopyData(): void {
    // Nothing reads COPY output through a ContextStatement.
  }

  /** pg calls this instead of handleReadyForQuery when the backend answered with an error (or the connection failed). */
  handleError(err: Error): void {
    this.finish(err);
  }

  handleReadyForQuery(): void {
    const prepared = this.connection && preparedOn.get(this.connection);
    for (const name of this.parsing) prepared?.set(name, true);
    this.finish(null);
  }

  private finish(err: Error | null): void {
    if (this.settled) return;
    this.settled = true;
    if (err) return this.callback(err);
    this.callback(null, { command: this.command, rowCount: this.rowCount, oid: 0, fields: this.fields, rows: this.rows });
  }
}
