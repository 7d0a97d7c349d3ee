import type { Clock } from '../clock.js';
import { placeholders, readInt, type SqlExecutor } from '../store/ports.js';

/** What the index is given for one published document. */
export interface SearchDocument {
  docId: string;
  title: string;
  body: string;
  /** The published version: the index remembers it, so drift is checked by id and version. */
  version: number;
}

export interface SearchMatch {
  docId: string;
  /** The matched passage with `[` `]` around the matching words. */
  snippet: string;
}

/**
 * The search index port: published lore goes in, ranked matches come out, and the index says
 * which version of a document it holds (the batch's search sync compares that with what was
 * published, and re-indexes on a retry). Every method is given the caller's executor: the
 * built-in adapter writes in the publishing transaction (a document is searchable exactly when
 * it is published); an adapter for an external engine may ignore it.
 */
export interface SearchIndex {
  /** Index documents, replacing an older version of the same id. */
  upsert(db: SqlExecutor, docs: readonly SearchDocument[]): Promise<void>;
  /** The version the index holds for each of `docIds` it holds at all. */
  indexedVersions(db: SqlExecutor, docIds: readonly string[]): Promise<Map<string, number>>;
  /** Matches for plain words (never query syntax), best first. */
  search(db: SqlExecutor, query: string, page: { limit: number; offset: number }): Promise<SearchMatch[]>;
}

/**
 * The FTS5 query for user text, or null when it holds nothing searchable. Every term becomes a
 * quoted string (inner quotes doubled), so no user text is ever read as FTS5 syntax (`"`, `*`,
 * `NEAR`, `AND`, column filters); terms without a letter or digit are dropped, since the
 * tokenizer would index nothing for them.
 */
export function ftsQuery(query: string): string | null {
  const terms = query
    .split(/\s+/)
    .filter((t) => /[\p{L}\p{N}]/u.test(t))
    .map((t) => `"${t.replace(/"/g, '""')}"`);
  return terms.length > 0 ? terms.join(' ') : null;
}

const chunk = 500;

/**
 * The built-in adapter, the default: the store's own full-text index (`lore_search`: FTS5 on
 * SQLite, a generated tsvector on PostgreSQL, same columns) plus `lore_index_entries`, which
 * records the version indexed per document.
 */
export function fullTextSearchIndex(fullText: 'fts5' | 'tsvector', clock: Clock): SearchIndex {
  return {
    async upsert(db, docs) {
      for (const doc of docs) {
        await db.run('DELETE FROM lore_search WHERE doc_id = ?', [doc.docId]);
        await db.run('INSERT INTO lore_search (doc_id, title, body) VALUES (?, ?, ?)', [doc.docId, doc.title, doc.body]);
        await db.run(
          `INSERT INTO lore_index_entries (doc_id, version, indexed_at) VALUES (?, ?, ?)
           ON CONFLICT (doc_id) DO UPDATE SET version = excluded.version, indexed_at = excluded.indexed_at`,
          [doc.docId, doc.version, clock.now()],
        );
      }
    },

    async indexedVersions(db, docIds) {
      const out = new Map<string, number>();
      for (let i = 0; i < docIds.length; i += chunk) {
        const ids = docIds.slice(i, i + chunk);
        // A document counts as indexed only when its text is in the full-text table too.
        const rows = await db.query(
          `SELECT e.doc_id, e.version FROM lore_index_entries e
           WHERE e.doc_id IN (${placeholders(ids.length)}) AND EXISTS (SELECT 1 FROM lore_search s WHERE s.doc_id = e.doc_id)`,
          ids,
        );
        for (const r of rows) out.set(String(r.doc_id), readInt(r.version));
      }
      return out;
    },

    async search(db, query, { limit, offset }) {
      const match = fullText === 'fts5' ? ftsQuery(query) : query;
      if (match === null || match.trim() === '') return [];
      const rows =
        fullText === 'fts5'
          ? await db.query(
              `SELECT doc_id, snippet(lore_search, 2, '[', ']', '…', 16) AS snippet FROM lore_search
               WHERE lore_search MATCH ? ORDER BY bm25(lore_search), doc_id LIMIT ? OFFSET ?`,
              [match, limit, offset],
            )
          : await db.query(
              `SELECT s.doc_id, ts_headline('english', s.body, q, 'StartSel=[,StopSel=],MaxWords=16,MinWords=6') AS snippet
               FROM lore_search s, websearch_to_tsquery('english', ?) q
               WHERE s.document @@ q ORDER BY ts_rank(s.document, q) DESC, s.doc_id LIMIT ? OFFSET ?`,
              [query, limit, offset],
            );
      return rows.map((r) => ({ docId: String(r.doc_id), snippet: String(r.snippet ?? '') }));
    },
  };
}
