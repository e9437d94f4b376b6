import { Query, QueryResult } from 'pg';
import { SET_CONTEXT_SQL } from './rls-context';

type Connection = {
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
 * A transaction's first statement with its BEGIN and RLS context in front, in one round trip:
 * `BEGIN`, the context's `set_config` calls (bind parameters) and the statement go out as three
 * extended-protocol statements behind a single Sync. PostgreSQL runs them in order and stops at
 * the first error, so the statement never runs without its context. The answer is the statement's
 * own result; the rows and command tags of the first two are skipped.
 *
 * Before: BEGIN + context, then the statement, then COMMIT, three round trips for a one-statement
 * request; now two.
 *
 * It extends pg 8's Query (prepare, requiresPreparation and the row and completion handlers):
 * every request and job runs through it, so the e2e suites fail at once if a pg upgrade changes
 * those internals.
 */
export class ContextQuery extends (Query as unknown as new (text: string, values: unknown[] | undefined, callback: (err: Error | null, res: QueryResult) => void) => QueryInternals) {
  /** Command completions still to skip: BEGIN's and set_config's. */
  private preamble = 2;

  constructor(
    /** contextValues() of the transaction's context. */
    private readonly context: string[],
    text: string,
    values: unknown[] | undefined,
    callback: (err: Error | null, res: QueryResult) => void,
  ) {
    super(text, values ?? [], callback);
  }

  /** Always the extended protocol, also without parameters: a simple query could not follow. */
  override requiresPreparation(): boolean {
    return true;
  }

  override prepare(connection: Connection): void {
    connection.parse({ text: 'BEGIN' });
    connection.bind({ values: [] });
    connection.execute({});
    connection.parse({ text: SET_CONTEXT_SQL });
    connection.bind({ values: this.context });
    connection.execute({});
    super.prepare(connection);
  }

  override handleDataRow(msg: unknown): void {
    if (this.preamble === 0) super.handleDataRow(msg);
  }

  override handleCommandComplete(msg: unknown, connection: Connection): void {
    if (this.preamble > 0) this.preamble--;
    else super.handleCommandComplete(msg, connection);
  }
}
