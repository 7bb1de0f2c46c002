import { DatabaseSync, type StatementSync } from 'node:sqlite';

// Keyv's storage adapter for a SQLite file, on Node's built-in SQLite (`node:sqlite`), synchronous.
//
// Why not @keyv/sqlite, which earlier versions used: its driver (sqlite3) prepares, runs and finalises each query on
// libuv's thread pool, and each of those steps waits for the main thread to take its callback. Under a burst (a
// hundred clicks at once, each action stored before its click is acknowledged, then each turn's record) the queries
// queued behind one another and behind the busy event loop: a click's action took 70-260 ms to store. Here a write
// and a read of a few kilobytes take ~25 µs together (write-ahead log, `synchronous = NORMAL`), less than one hop to
// the thread pool, so the store no longer stands between a click and its turn; and there is no native module to build.
// The price: the event loop waits for the disk when SQLite checkpoints its log into the file (every ~4 MB written,
// inside the write that crosses it): up to ~11 ms here, over 5000 writes of 20 kB.
//
// The table is the one @keyv/sqlite creates (`keyv`, key and value columns, the key its primary key) and values are
// Keyv's JSON text, so a database written by either reads the same in the other and in the sqlite3 shell. Expiry is
// Keyv's: it keeps `expires` in the value and deletes an expired key when it reads it.

const TABLE = 'keyv';
/** As @keyv/sqlite declares the key column; SQLite does not enforce it. */
const KEY_SIZE = 255;
/**
 * How long a write waits for another connection's write to finish (the wait blocks the event loop). One process owns
 * the file; only an operator's tool writing to it at the same moment makes the bot wait, and then briefly: a write
 * that still finds the file locked fails, as a store failure, rather than freezing every table.
 */
const BUSY_TIMEOUT_MS = 250;

export class SqliteKeyvAdapter {
  /** Keyv sets this; keys are used exactly as given (create-keyv.ts), so it is never part of a key here. */
  namespace: string | undefined;
  private readonly database: DatabaseSync;
  private readonly statements: {
    get: StatementSync;
    getMany: StatementSync;
    set: StatementSync;
    delete: StatementSync;
    clear: StatementSync;
  };

  /** `path`: a file path or `:memory:`. Throws when the file cannot be opened. */
  constructor(path: string) {
    this.database = new DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS });
    if (path !== ':memory:') {
      // Write-ahead logging with `synchronous = NORMAL`: a commit appends to the log without the fsyncs of the
      // default rollback journal. A crash of the process loses nothing committed; only a power cut can lose the last
      // commits before a checkpoint.
      this.database.exec('PRAGMA journal_mode = WAL');
      this.database.exec('PRAGMA synchronous = NORMAL');
    }
    this.database.exec(`CREATE TABLE IF NOT EXISTS ${TABLE}(key VARCHAR(${KEY_SIZE}) PRIMARY KEY, value TEXT )`);
    this.statements = {
      get: this.database.prepare(`SELECT value FROM ${TABLE} WHERE key = ?`),
      getMany: this.database.prepare(`SELECT key, value FROM ${TABLE} WHERE key IN (SELECT value FROM json_each(?))`),
      set: this.database.prepare(`INSERT INTO ${TABLE} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`),
      delete: this.database.prepare(`DELETE FROM ${TABLE} WHERE key = ?`),
      clear: this.database.prepare(`DELETE FROM ${TABLE}`),
    };
  }

  async get(key: string): Promise<string | undefined> {
    const row = this.statements.get.get(key) as { value: string } | undefined;
    return row?.value;
  }

  async getMany(keys: string[]): Promise<(string | undefined)[]> {
    const rows = this.statements.getMany.all(JSON.stringify(keys)) as { key: string; value: string }[];
    const byKey = new Map(rows.map((row) => [row.key, row.value]));
    return keys.map((key) => byKey.get(key));
  }

  async set(key: string, value: string): Promise<void> {
    this.statements.set.run(key, value);
  }

  async delete(key: string): Promise<boolean> {
    return Number(this.statements.delete.run(key).changes) > 0;
  }

  async clear(): Promise<void> {
    this.statements.clear.run();
  }

  async disconnect(): Promise<void> {
    if (this.database.isOpen) this.database.close();
  }
}
