/**
 * The size of a closed SQLite store on disk, for bytes-per-record figures: the WAL is checkpointed into the file
 * first (so the figure does not depend on when SQLite last did so), then the file and what is left of the WAL are
 * measured, and each table with its indexes through SQLite's dbstat table.
 */
import { existsSync, statSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';

/** Tables smaller than this share of the file are summed as (others). */
const tableShareShown = 0.01;

export interface SqliteFileSize {
  /** The database file and its WAL, after a checkpoint. */
  readonly bytes: number;
  /** Bytes by table, each with its indexes, for the tables of at least 1% of the file; the rest as (others). */
  readonly byTable: Readonly<Record<string, number>>;
  /** One table's bytes with its indexes (0 if absent). */
  readonly tableBytes: (table: string) => number;
}

export function sqliteFileSize(path: string): SqliteFileSize {
  const db = new DatabaseSync(path);
  try {
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const tables = db
      .prepare(
        `SELECT coalesce(m.tbl_name, d.name) AS tbl, sum(d.pgsize) AS bytes FROM dbstat d
         LEFT JOIN sqlite_schema m ON m.name = d.name GROUP BY tbl ORDER BY bytes DESC`,
      )
      .all()
      .map((r) => [String(r.tbl), Number(r.bytes)] as const);
    const wal = `${path}-wal`;
    const bytes = statSync(path).size + (existsSync(wal) ? statSync(wal).size : 0);
    const shown = tables.filter(([, b]) => b >= bytes * tableShareShown);
    const rest = tables.filter(([, b]) => b < bytes * tableShareShown).reduce((sum, [, b]) => sum + b, 0);
    const byName = new Map(tables);
    return {
      bytes,
      byTable: Object.fromEntries([...shown, ['(others)', rest]]),
      tableBytes: (table) => byName.get(table) ?? 0,
    };
  } finally {
    db.close();
  }
}
