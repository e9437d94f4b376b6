import { Query, QueryResult } from 'pg';
import { SET_CONTEXT_SQL, SET_READ_ONLY_CONTEXT_SQL } from './rls-context';

type Connection = object & {
  parse(msg: { text: string; name?: string; types?: unknown[] }): void;
  bind(msg: { portal?: string; statement?: string; values: unknown[]; binary?: boolean; valueMapper?: unknown }): void;
  execute(msg: { portal?: string; rows?: number }): void;
};

interface QueryInternals {
  submit(connection: unknown): void;
  prepare(connection: Connection): void;
  handleDataRow(msg: unknown): void;
  handleCommandComplete(msg: unknown, connection: Connection): void;
  requiresPreparation(): boolean;
}

/**
 * How a ContextQuery's transaction ends:
 * - `open`: it sends BEGIN first, so the transaction stays open after the statement for the
 *   request's next statements and its COMMIT or ROLLBACK.
 * - `single-read` and `single-write`: no BEGIN. Everything behind one Sync is one implicit
 *   transaction (PostgreSQL protocol, "Pipelining"), so the context and the statement commit
 *   together at the Sync, or roll back together on an error, and the connection is idle again when
 *   the answer arrives: the whole transaction in one round trip. `single-read` also makes the
 *   context read-only.
 */
export type ContextQueryMode = 'open' | 'single-read' | 'single-write';

/**
 * The context statements, prepared once per connection under a name: parsing and planning them
 * with every transaction cost PostgreSQL about 20 µs of CPU each time (57 against 37 µs for a
 * whole transaction of `SELECT 1`).
 */
const CONTEXT_STATEMENTS: Record<ContextQueryMode, { name: string; text: string }> = {
  open: { name: 'sb_rls_context', text: SET_CONTEXT_SQL },
  'single-write': { name: 'sb_rls_context', text: SET_CONTEXT_SQL },
  'single-read': { name: 'sb_rls_context_read_only', text: SET_READ_ONLY_CONTEXT_SQL },
};

/**
 * A statement to prepare once per connection under its name, like the context statements: for a
 * hot statement whose planning costs PostgreSQL a noticeable part of its run (the ingest batch's
 * INSERT). Sent unnamed when prepared statements are off (DATABASE_PREPARED_CONTEXT=false, for a
 * transaction-pooling proxy). Names must be unique per text (pg refuses a name reused for another).
 */
export interface NamedStatement {
  name: string;
  text: string;
}

/** The statement as pg's Query takes it: named only when the connection's statements are prepared. */
export function queryConfig(statement: string | NamedStatement, prepared: boolean): string | NamedStatement {
  return typeof statement === 'string' || prepared ? statement : statement.text;
}

/** A transaction's context as ContextQuery sends it. */
export interface TxContext {
  /** contextValues() of the RLS context. */
  values: string[];
  /** Use the context statement prepared under its name (DATABASE_PREPARED_CONTEXT), or parse it each time. */
  prepared: boolean;
}

/** The context statements each live connection has prepared (a connection that ends is forgotten). */
const preparedOn = new WeakMap<Connection, Set<string>>();

/**
 * A transaction's first statement with its RLS context in front, in one round trip: (BEGIN,) the
 * context's `set_config` calls (bind parameters) and the statement go out as extended-protocol
 * statements behind a single Sync. PostgreSQL runs them in order and stops at the first error, so
 * the statement never runs without its context. The answer is the statement's own result; the
 * rows and command tags of the preamble are skipped.
 *
 * It extends pg 8's Query (prepare, requiresPreparation and the row and completion handlers):
 * every request and job runs through it, so the e2e suites fail at once if a pg upgrade changes
 * those internals.
 */
export class ContextQuery extends (Query as unknown as new (
  text: string | NamedStatement,
  values: unknown[] | undefined,
  callback: (err: Error | null, res: QueryResult) => void,
) => QueryInternals) {
  /** Command completions still to skip: BEGIN's (in `open` mode) and set_config's. */
  private preamble: number;
  /** The context statement was sent with its Parse, and has not completed yet. */
  private parsing = false;

  constructor(
    private readonly context: TxContext,
    private readonly mode: ContextQueryMode,
    statement: string | NamedStatement,
    values: unknown[] | undefined,
    callback: (err: Error | null, res: QueryResult) => void,
  ) {
    super(queryConfig(statement, context.prepared), values ?? [], callback);
    this.preamble = mode === 'open' ? 2 : 1;
  }

  /** Always the extended protocol, also without parameters: a simple query could not follow. */
  override requiresPreparation(): boolean {
    return true;
  }

  override prepare(connection: Connection): void {
    if (this.mode === 'open') {
      connection.parse({ text: 'BEGIN' });
      connection.bind({ values: [] });
      connection.execute({});
    }
    const { name, text } = CONTEXT_STATEMENTS[this.mode];
    if (!this.context.prepared) {
      connection.parse({ text });
      connection.bind({ values: this.context.values });
    } else {
      this.parsing = !preparedOn.get(connection)?.has(name);
      if (this.parsing) connection.parse({ name, text });
      connection.bind({ statement: name, values: this.context.values });
    }
    connection.execute({});
    super.prepare(connection);
  }

  /**
   * Failed between sending the context statement's Parse and its completion: whether the server
   * kept the prepared statement is unknown, so the connection must not be used again (a second
   * Parse of the name would fail, a Bind without it too). Never seen outside a broken server or role.
   */
  get leftConnectionUnknown(): boolean {
    return this.parsing;
  }

  override handleDataRow(msg: unknown): void {
    if (this.preamble === 0) super.handleDataRow(msg);
  }

  override handleCommandComplete(msg: unknown, connection: Connection): void {
    if (this.preamble > 0) {
      this.preamble--;
      if (this.preamble === 0 && this.parsing) {
        const names = preparedOn.get(connection) ?? new Set<string>();
        names.add(CONTEXT_STATEMENTS[this.mode].name);
        preparedOn.set(connection, names);
        this.parsing = false;
      }
    } else super.handleCommandComplete(msg, connection);
  }
}
