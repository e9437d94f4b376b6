/**
 * The one way this service writes a statement by hand: the `sql` tagged template. Every value
 * interpolated into it becomes a bind parameter, numbered by the template itself ($1, $2, … in
 * order of appearance), so no code counts placeholders; a `Sql` interpolated into another is
 * spliced in with its parameters renumbered. Nothing but the text written in the code ever
 * reaches the statement's text: input cannot become SQL.
 *
 *   const byOrg = sql`organization_id = ${orgId}`;
 *   db.query(sql`SELECT id FROM campaign WHERE ${byOrg} AND name ILIKE ${pattern} LIMIT ${limit}`);
 *
 * `sql.named(name)` gives a statement the name it is prepared under on each connection (the ingest
 * batch's INSERT); its text must be the same at every call.
 */
export class Sql {
  /** @internal Use the `sql` tag. */
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly unknown[],
    /** Prepared once per connection under this name (see NamedStatement). */
    readonly name?: string,
  ) {}

  /** The statement's text with $n placeholders, and its parameters in order. */
  get text(): string {
    return this.compile().text;
  }

  compile(): { text: string; values: unknown[] } {
    const values: unknown[] = [];
    const text = this.render(values);
    return { text, values };
  }

  private render(values: unknown[]): string {
    let text = this.strings[0];
    for (let i = 0; i < this.values.length; i++) {
      const v = this.values[i];
      if (v instanceof Sql) text += v.render(values);
      else {
        values.push(v);
        text += `$${values.length}`;
      }
      text += this.strings[i + 1];
    }
    return text;
  }

  /** The same statement, prepared once per connection under name. */
  named(name: string): Sql {
    return new Sql(this.strings, this.values, name);
  }
}

export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  return new Sql(strings, values);
}
